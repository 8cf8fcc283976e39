//! Parsers for FTP directory listings.
//!
//! ```text
//!  raw LIST / MLSD bytes ──► LineSplitter ──► ListingParser ──► Entry
//!                                               │  (format detected per listing)
//!                                               └─ Encoding decodes names
//! ```
//!
//! Every line becomes an [`Entry`]: a line no parser understands comes back with
//! [`Kind::Unknown`] and its raw text, never dropped. Names keep their raw bytes so a
//! name in a legacy encoding can be sent back to the server unchanged.

mod datetime;
mod encoding;
mod entry;
mod parser;

pub use datetime::DateTime;
pub use encoding::{Codec, Encoding};
pub use entry::{Entry, Kind};
pub use parser::{LineSplitter, ListingFormat, ListingParser, ParseOptions, parse_mlsx_line};
