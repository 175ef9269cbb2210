//! What a reader of the store asks, answered once as typed rows for every
//! front door (DESIGN "Layout").

pub mod reference;
