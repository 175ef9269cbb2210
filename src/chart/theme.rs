//! Colours: the background, text, grid and frame, and the line palette.

use plotters::style::RGBColor;

pub(super) const BG: RGBColor = RGBColor(255, 255, 255);
pub(super) const INK: RGBColor = RGBColor(34, 34, 34);
pub(super) const MUTED: RGBColor = RGBColor(85, 85, 85);
pub(super) const GRID: RGBColor = RGBColor(232, 232, 232);
pub(super) const FRAME: RGBColor = RGBColor(170, 170, 170);

/// Line colours (Tableau 10), in order of the lines.
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
