//! Colours of the two themes: the background, text, grid and frame, and the line palette.

use plotters::style::RGBColor;

use super::Theme;

/// Every colour a chart uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Colours {
    pub bg: RGBColor,
    pub ink: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    pub frame: RGBColor,
    /// The line at 0 of a deviation panel.
    pub zero: RGBColor,
    /// Line colours, in order of the lines (or of the currencies under `--index`).
    pub lines: [RGBColor; 10],
}

/// Line colours on white (Tableau 10).
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Line colours on dark grey: the same hues, lighter, so thin lines stand out.
const PALETTE_DARK: [RGBColor; 10] = [
    RGBColor(94, 170, 230),
    RGBColor(255, 159, 67),
    RGBColor(98, 208, 98),
    RGBColor(255, 99, 99),
    RGBColor(190, 150, 235),
    RGBColor(196, 146, 134),
    RGBColor(247, 160, 222),
    RGBColor(180, 180, 180),
    RGBColor(222, 222, 80),
    RGBColor(70, 220, 235),
];

impl Colours {
    pub(super) fn of(theme: Theme) -> Colours {
        match theme {
            Theme::Light => Colours {
                bg: RGBColor(255, 255, 255),
                ink: RGBColor(34, 34, 34),
                muted: RGBColor(85, 85, 85),
                grid: RGBColor(232, 232, 232),
                frame: RGBColor(170, 170, 170),
                zero: RGBColor(120, 120, 120),
                lines: PALETTE,
            },
            Theme::Dark => Colours {
                bg: RGBColor(28, 30, 34),
                ink: RGBColor(235, 235, 235),
                muted: RGBColor(175, 175, 175),
                grid: RGBColor(58, 61, 67),
                frame: RGBColor(110, 113, 120),
                zero: RGBColor(160, 160, 160),
                lines: PALETTE_DARK,
            },
        }
    }

    /// The colour of line (or currency) `i`.
    pub(super) fn line(&self, i: usize) -> RGBColor {
        self.lines[i % self.lines.len()]
    }
}
