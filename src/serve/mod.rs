//! `fxsnap serve`: the store over HTTP (DESIGN "serve (v3)"). Routes turn
//! the query layer's rows into `Answer`s; the server core adds what every
//! response shares (caching headers keyed by the store's change stamp,
//! CORS, compression, limits, metrics).

pub(crate) mod answer;
