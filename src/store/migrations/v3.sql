-- Version 3: rollups of six hours beside the hour's and the day's, so that a
-- chart of two years reads a quarter of the rows. The schema is unchanged;
-- the step's rows are folded from the observations by `rollup::fold_width`
-- (Rust, so they are the floating point every other rollup has), in the
-- same transaction as this step.
SELECT 1;
