//! Reducing large ranges per pixel column, so a chart of millions of observations costs what a
//! chart of a few thousand does and draws the same pixels. Everything that makes the reduced
//! chart pixel-identical to the full one lives here or is named here:
//!
//! - [`columns`]: the one mapping from a time to its pixel column ([`column_of`], and
//!   [`column_of_snapped`] with column boundaries on whole UTC days or hours). The renderer puts
//!   every point of a column on that column's x with the same function.
//! - [`m4`]: per column keep the first, lowest, highest and last point ([`m4_reduce`]).
//! - [`rollups`]: the reducer that reads the store. On a range long enough, columns snap to the
//!   coarsest rollup level read ([`rollups::snap_for`]) so that no bucket straddles two columns;
//!   a bucket inside one column contributes its first/min/max/last, the partial buckets at the
//!   range's ends are opened a level finer, down to the observations. The result is M4 over
//!   every observation.
//! - the renderer (`draw`) draws one-pixel paths only (a thick stroke is drawn as three shifted
//!   one-pixel copies) and splits lines at holes judged by column (`gaps`), the same for both.
//!
//! Why that is exact: within a column the full line is a set of vertical one-pixel runs whose
//! union is the run from the column's lowest to its highest pixel, which the reduced
//! first→min→max→last also draws; the step to the next column joins the last point of one
//! column to the first of the next in both; the value range (min, max) is kept.

pub mod columns;
pub mod m4;
pub mod rollups;

pub use columns::{column_of, column_of_snapped};
pub use m4::{m4_reduce, m4_reduce_snapped};
