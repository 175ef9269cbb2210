//! Floats and counts into pixels, in one place: every float → pixel conversion of the chart
//! goes through [`round_px`] (the font's metrics and the layout both use it, so it lives
//! apart from both).

/// A float pixel position rounded to the nearest pixel. Float → int casts saturate, so a value
/// outside `i32` (a point far off the frame) lands on the edge of the coordinate space.
#[allow(clippy::cast_possible_truncation)]
pub(super) fn round_px(x: f64) -> i32 {
    x.round() as i32
}

/// A count of pixels or columns as a pixel distance.
pub(super) fn px(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
