//! One entry of a directory listing.

use crate::DateTime;
use serde::Serialize;

/// What a listing entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory (MLSD `type=dir`, `cdir` and `pdir` included).
    Dir,
    /// A symbolic link; [`Entry::target`] holds where it points when known.
    Link,
    /// A device, socket, pipe or other special file.
    Other,
    /// A line no parser understood; [`Entry::raw`] holds its text.
    Unknown,
}

/// One entry of a directory listing, in the shape `ftpbridge ls --json` prints.
///
/// `name` and `target` are decoded with the listing's encoding for display; the raw
/// bytes stay in [`Entry::name_bytes`] and [`Entry::target_bytes`] so a name that is
/// not valid in any encoding can still be sent back to the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The name, decoded for display (the raw line for [`Kind::Unknown`] entries).
    pub name: String,
    /// File, directory, link, other or unknown.
    pub kind: Kind,
    /// Size in bytes, when the listing gives one (VMS: blocks used times 512).
    pub size: Option<u64>,
    /// Last modification time, when the listing gives one.
    pub modified: Option<DateTime>,
    /// Permissions as printed (`rwxr-xr-x`, MLSD `perm` facts, VMS `(RWED,RWED,RE,)`,
    /// NetWare `RWCEAFMS`); numeric modes (MLSD `unix.mode`, EPLF `up`) rendered as
    /// `rwxr-xr-x`.
    pub permissions: Option<String>,
    /// Owner as printed (a name or a numeric id).
    pub owner: Option<String>,
    /// Group as printed.
    pub group: Option<String>,
    /// Where a symbolic link points, decoded for display.
    pub target: Option<String>,
    /// The whole line as received, decoded for display.
    pub raw: String,
    /// The name exactly as the server sent it.
    #[serde(skip)]
    pub name_bytes: Vec<u8>,
    /// The link target exactly as the server sent it.
    #[serde(skip)]
    pub target_bytes: Option<Vec<u8>>,
}

impl Entry {
    /// An entry for a line no parser understood.
    pub fn unknown(raw: &[u8], encoding: crate::Encoding) -> Entry {
        let text = encoding.decode(raw).into_owned();
        Entry {
            name: text.clone(),
            kind: Kind::Unknown,
            size: None,
            modified: None,
            permissions: None,
            owner: None,
            group: None,
            target: None,
            raw: text,
            name_bytes: raw.to_vec(),
            target_bytes: None,
        }
    }
}
