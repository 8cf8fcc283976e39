//! What each operation does, step by step: the commands it sends and how it reads
//! the replies. How commands are sent, data channels opened and transfers accounted
//! for is the session's job (`mod.rs`, `channel.rs`, `transfer.rs`).

use crate::Reply;
use crate::command::Command;
use crate::error::{Error, ErrorKind};
use crate::event::{ServerPath, Value};
use crate::parse;
use ftpbridge_listing::{DateTime, Entry, Kind, ListingParser, ParseOptions};

/// The most bytes a name list (NLST) may hold.
const MAX_NAME_LIST: usize = 64 * 1024 * 1024;

/// Options of a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListOptions {
    /// Include hidden (dot) files: `LIST -a`, and dot names kept from MLSD.
    pub all: bool,
    /// The current date and time, to infer the year of `LIST` lines dated without one.
    pub now: DateTime,
}

/// How an upload treats an existing remote file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StoreMode {
    /// Replace it (STOR).
    #[default]
    Replace,
    /// Append to it (APPE).
    Append,
    /// Continue an earlier upload: ask its size (SIZE), then send the rest (APPE, or
    /// REST + STOR where APPE is refused).
    Resume,
}

/// Options of an upload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreOptions {
    /// Replace, append or resume.
    pub mode: StoreMode,
    /// The local file's size, when known: a resume then refuses a remote file that is
    /// larger, and finishes at once when it is already complete.
    pub local_size: Option<u64>,
}

/// What an operation asks the session to do next.
pub(crate) enum Action {
    /// Send a command; its final reply comes back as [`Outcome::Reply`].
    Send(Command),
    /// Open a data channel; [`Outcome::DataReady`] when the transfer command may go.
    OpenData,
    /// Send a transfer command over the open data channel.
    Transfer(TransferSpec),
    /// The operation succeeded.
    Done(Value),
    /// The operation failed.
    Fail(Error),
}

/// A transfer the session should run.
pub(crate) struct TransferSpec {
    pub command: Command,
    pub direction: Direction,
    /// Bytes this transfer should move, when the task knows (SIZE minus offset).
    pub expected: Option<u64>,
    /// Where in the file the transfer starts.
    pub offset: u64,
    /// A range download: stop after this many bytes (the data connection is then
    /// reset and the transfer aborted), where the file goes on past them.
    pub limit: Option<u64>,
}

/// Which way data flows, and where received bytes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Download,
    Upload,
    Listing,
}

/// What happened since the last action.
pub(crate) enum Outcome {
    Start,
    Reply(Reply),
    DataReady,
    Transferred { bytes: u64 },
}

/// What a task may read of the session.
pub(crate) struct TaskContext<'a> {
    pub features: &'a crate::Features,
    pub use_mlsd: bool,
    /// Set when the server refused MLSD although FEAT offered it.
    pub mlsd_refused: &'a mut bool,
    pub verify_upload_size: bool,
    pub encoding: ftpbridge_listing::Encoding,
    /// The working directory, when known.
    pub cwd: &'a mut Option<Vec<u8>>,
    /// The server is in binary mode (TYPE I accepted).
    pub binary: &'a mut bool,
    /// The most bytes a listing may have.
    pub max_listing_bytes: u64,
    /// Entries a listing produced in this step, to be sent as an event.
    pub entries: &'a mut Vec<Entry>,
}

impl TaskContext<'_> {
    fn server_path(&self, bytes: Vec<u8>) -> ServerPath {
        ServerPath { text: self.encoding.decode(&bytes).into_owned(), bytes }
    }
}

/// One operation with its arguments (paths already encoded) and progress.
pub(crate) enum Task {
    List(List),
    NameList {
        path: Option<Vec<u8>>,
        names: Vec<u8>,
        step: u8,
    },
    Stat(Stat),
    Retrieve(Retrieve),
    Store(Store),
    /// One command, one expected reply class.
    Simple {
        command: Option<Command>,
        what: &'static str,
        on_success: fn(&Reply, &mut TaskContext) -> Value,
    },
    Rename {
        from: Vec<u8>,
        to: Vec<u8>,
        step: u8,
    },
    Cd {
        path: Vec<u8>,
        step: u8,
    },
    Pwd,
    Raw {
        line: Option<Vec<u8>>,
    },
    Quit {
        sent: bool,
    },
}

pub(crate) struct Retrieve {
    pub path: Vec<u8>,
    pub offset: u64,
    /// A range: this many bytes from `offset` on, where the file goes on past them.
    pub length: Option<u64>,
    pub size: Option<u64>,
    pub step: RetrieveStep,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetrieveStep {
    Binary,
    Size,
    Mlst,
    Open,
    Rest,
    Transfer,
}

pub(crate) struct List {
    pub path: Option<Vec<u8>>,
    pub options: ListOptions,
    pub parser: Option<ListingParser>,
    pub splitter: ftpbridge_listing::LineSplitter,
    pub count: usize,
    pub step: ListStep,
    /// The directory to return to after listing by entering the target directory.
    pub return_to: Option<Vec<u8>>,
    /// The error to report once the session is back in its directory.
    pub pending_error: Option<Error>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListStep {
    Start,
    Enter,
    Open { mlsd: bool },
    Transfer { mlsd: bool },
    Return,
}

pub(crate) struct Stat {
    pub path: Vec<u8>,
    pub step: StatStep,
    pub size: Option<u64>,
    pub modified: Option<DateTime>,
    pub return_to: Option<Vec<u8>>,
    pub size_reply: Option<Reply>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatStep {
    Mlst,
    Size,
    Mdtm,
    Cwd,
    Return,
}

pub(crate) struct Store {
    pub path: Vec<u8>,
    pub options: StoreOptions,
    pub offset: u64,
    pub step: StoreStep,
    pub sent: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreStep {
    Binary,
    Size,
    Mlst,
    Open,
    Transfer { appe: bool },
    Rest,
    Verify { mlst: bool },
}

impl Task {
    /// Whether this is QUIT.
    pub(crate) fn is_quit(&self) -> bool {
        matches!(self, Task::Quit { .. })
    }

    /// The next action, given what happened.
    pub(crate) fn step(&mut self, outcome: Outcome, cx: &mut TaskContext) -> Action {
        match self {
            Task::List(list) => list.step(outcome, cx),
            Task::NameList { path, names, step } => match (outcome, *step) {
                (Outcome::Start, _) => {
                    *step = 1;
                    Action::OpenData
                }
                (Outcome::DataReady, _) => Action::Transfer(TransferSpec {
                    command: Command::Nlst(path.clone()),
                    direction: Direction::Listing,
                    expected: None,
                    offset: 0,
                    limit: None,
                }),
                (Outcome::Transferred { .. }, _) => {
                    let mut out = Vec::new();
                    for line in names.split(|&b| b == b'\n') {
                        let line = line.strip_suffix(b"\r").unwrap_or(line);
                        if !line.is_empty() && line != b"." && line != b".." {
                            out.push(cx.server_path(line.to_vec()));
                        }
                    }
                    Action::Done(Value::Names(out))
                }
                (Outcome::Reply(reply), _) if refusal_means_empty(&reply, path.is_none()) => {
                    Action::Done(Value::Names(Vec::new()))
                }
                (Outcome::Reply(reply), _) => Action::Fail(Error::from_reply("cannot list names", reply)),
            },
            Task::Stat(stat) => stat.step(outcome, cx),
            Task::Retrieve(retrieve) => retrieve.step(outcome, cx),
            Task::Store(store) => store.step(outcome, cx),
            Task::Simple { command, what, on_success } => match outcome {
                Outcome::Start => match command.take() {
                    Some(command) => Action::Send(command),
                    None => Action::Fail(Error::new(ErrorKind::Protocol, "internal: command sent twice")),
                },
                Outcome::Reply(reply) if reply.is_completion() => Action::Done(on_success(&reply, cx)),
                Outcome::Reply(reply) => Action::Fail(Error::from_reply(format!("cannot {what}"), reply)),
                _ => Action::Fail(Error::new(ErrorKind::Protocol, "internal: unexpected outcome")),
            },
            Task::Rename { from, to, step } => match (outcome, *step) {
                (Outcome::Start, _) => {
                    *step = 1;
                    Action::Send(Command::Rnfr(from.clone()))
                }
                (Outcome::Reply(reply), 1) if reply.code() == 350 => {
                    *step = 2;
                    Action::Send(Command::Rnto(to.clone()))
                }
                (Outcome::Reply(reply), 2) if reply.is_completion() => Action::Done(Value::None),
                (Outcome::Reply(reply), _) => Action::Fail(Error::from_reply(
                    format!(
                        "cannot rename {} to {}",
                        String::from_utf8_lossy(from),
                        String::from_utf8_lossy(to)
                    ),
                    reply,
                )),
                _ => Action::Fail(Error::new(ErrorKind::Protocol, "internal: unexpected outcome")),
            },
            Task::Cd { path, step } => match (outcome, *step) {
                (Outcome::Start, _) => {
                    *step = 1;
                    Action::Send(Command::Cwd(path.clone()))
                }
                (Outcome::Reply(reply), 1) if reply.is_completion() => {
                    *cx.cwd = None;
                    *step = 2;
                    Action::Send(Command::Pwd)
                }
                (Outcome::Reply(reply), 1) => Action::Fail(Error::from_reply(
                    format!("cannot enter {}", String::from_utf8_lossy(path)),
                    reply,
                )),
                (Outcome::Reply(reply), _) => {
                    match parse::quoted_path(&reply).filter(|_| reply.code() == 257) {
                        Some(dir) => {
                            *cx.cwd = Some(dir.clone());
                            Action::Done(Value::Path(cx.server_path(dir)))
                        }
                        None => Action::Fail(
                            Error::from_reply("entered the directory, but PWD gave no path", reply)
                                .with_kind(ErrorKind::Protocol),
                        ),
                    }
                }
                _ => Action::Fail(Error::new(ErrorKind::Protocol, "internal: unexpected outcome")),
            },
            Task::Pwd => match outcome {
                Outcome::Start => Action::Send(Command::Pwd),
                Outcome::Reply(reply) => match parse::quoted_path(&reply).filter(|_| reply.code() == 257) {
                    Some(dir) => {
                        *cx.cwd = Some(dir.clone());
                        Action::Done(Value::Path(cx.server_path(dir)))
                    }
                    None => Action::Fail(
                        Error::from_reply("PWD gave no path", reply).with_kind(ErrorKind::Protocol),
                    ),
                },
                _ => Action::Fail(Error::new(ErrorKind::Protocol, "internal: unexpected outcome")),
            },
            Task::Raw { line } => match outcome {
                Outcome::Start => match line.take() {
                    Some(line) => Action::Send(Command::Raw(line)),
                    None => Action::Fail(Error::new(ErrorKind::Protocol, "internal: command sent twice")),
                },
                Outcome::Reply(reply) => Action::Done(Value::Reply(reply)),
                _ => Action::Fail(Error::new(ErrorKind::Protocol, "internal: unexpected outcome")),
            },
            Task::Quit { sent } => match outcome {
                Outcome::Start => {
                    *sent = true;
                    Action::Send(Command::Quit)
                }
                _ => Action::Done(Value::None),
            },
        }
    }

    /// The operation failed in the session's machinery (data channel, transfer): the
    /// task may clean up first (leave a directory it entered).
    pub(crate) fn on_failure(&mut self, error: Error) -> Action {
        match self {
            Task::List(list) => match list.return_to.take() {
                Some(dir) => {
                    list.step = ListStep::Return;
                    list.pending_error = Some(error);
                    Action::Send(Command::Cwd(dir))
                }
                None => Action::Fail(error),
            },
            _ => Action::Fail(error),
        }
    }

    /// Bytes received on the data channel of a listing or name list; `Err` when the
    /// listing grew past its limit (the transfer is then aborted).
    pub(crate) fn on_listing_data(
        &mut self,
        data: &[u8],
        total: u64,
        cx: &mut TaskContext,
    ) -> Result<(), Error> {
        match self {
            Task::List(_) if total > cx.max_listing_bytes => Err(Error::new(
                ErrorKind::Rejected,
                format!(
                    "the listing is over {} bytes: more than the limit a listing may have",
                    cx.max_listing_bytes
                ),
            )),
            Task::List(list) => {
                list.feed(data, cx, false);
                Ok(())
            }
            // Name lists are short; the bound keeps a hostile server from growing memory.
            Task::NameList { .. } if total > MAX_NAME_LIST as u64 => Err(Error::new(
                ErrorKind::Rejected,
                format!("the name list is over {} MiB; use a listing instead", MAX_NAME_LIST >> 20),
            )),
            Task::NameList { names, .. } => {
                names.extend_from_slice(data);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The listing's data ended: parse a last line without a line ending.
    pub(crate) fn on_listing_end(&mut self, cx: &mut TaskContext) {
        if let Task::List(list) = self {
            list.feed(&[], cx, true);
        }
    }
}

impl List {
    pub(crate) fn new(path: Option<Vec<u8>>, options: ListOptions) -> List {
        List {
            path,
            options,
            parser: None,
            splitter: Default::default(),
            count: 0,
            step: ListStep::Start,
            return_to: None,
            pending_error: None,
        }
    }

    fn step(&mut self, outcome: Outcome, cx: &mut TaskContext) -> Action {
        match (outcome, self.step) {
            (Outcome::Start, _) => {
                if cx.use_mlsd && !*cx.mlsd_refused && (cx.features.has("MLST") || cx.features.has("MLSD")) {
                    self.step = ListStep::Open { mlsd: true };
                    return Action::OpenData;
                }
                match (&self.path, cx.cwd.clone()) {
                    (Some(path), Some(cwd)) => {
                        self.return_to = Some(cwd);
                        self.step = ListStep::Enter;
                        Action::Send(Command::Cwd(path.clone()))
                    }
                    _ => {
                        self.step = ListStep::Open { mlsd: false };
                        Action::OpenData
                    }
                }
            }
            (Outcome::Reply(reply), ListStep::Enter) => {
                if reply.is_completion() {
                    self.step = ListStep::Open { mlsd: false };
                    Action::OpenData
                } else {
                    self.return_to = None;
                    let path = String::from_utf8_lossy(self.path.as_deref().unwrap_or_default()).into_owned();
                    Action::Fail(Error::from_reply(format!("cannot open directory {path}"), reply))
                }
            }
            (Outcome::DataReady, ListStep::Open { mlsd }) => {
                self.step = ListStep::Transfer { mlsd };
                let options = ParseOptions { now: self.options.now, encoding: cx.encoding };
                self.parser =
                    Some(if mlsd { ListingParser::mlsd(options) } else { ListingParser::new(options) });
                let command = match (mlsd, &self.path, &self.return_to) {
                    (true, path, _) => Command::Mlsd(path.clone()),
                    (false, Some(path), None) => Command::ListPath(path.clone()),
                    (false, _, _) => Command::List { all: self.options.all },
                };
                Action::Transfer(TransferSpec {
                    command,
                    direction: Direction::Listing,
                    expected: None,
                    offset: 0,
                    limit: None,
                })
            }
            (Outcome::Transferred { .. }, _) => match self.return_to.take() {
                Some(dir) => {
                    self.step = ListStep::Return;
                    Action::Send(Command::Cwd(dir))
                }
                None => Action::Done(Value::Listed { count: self.count }),
            },
            (Outcome::Reply(reply), ListStep::Return) => {
                if !reply.is_completion() {
                    *cx.cwd = None;
                }
                match self.pending_error.take() {
                    Some(error) => Action::Fail(error),
                    None => Action::Done(Value::Listed { count: self.count }),
                }
            }
            (Outcome::Reply(reply), ListStep::Transfer { mlsd: true })
                if matches!(reply.code(), 500..=502) && !*cx.mlsd_refused =>
            {
                // FEAT offered MLSD but the command is refused: list with LIST instead.
                *cx.mlsd_refused = true;
                self.step = ListStep::Start;
                self.step(Outcome::Start, cx)
            }
            (Outcome::Reply(reply), ListStep::Transfer { .. })
                if refusal_means_empty(&reply, self.path.is_none() || self.return_to.is_some()) =>
            {
                // "450 No files found": an empty directory, not a missing one.
                match self.return_to.take() {
                    Some(dir) => {
                        self.step = ListStep::Return;
                        Action::Send(Command::Cwd(dir))
                    }
                    None => Action::Done(Value::Listed { count: self.count }),
                }
            }
            (Outcome::Reply(reply), _) => {
                let path = String::from_utf8_lossy(self.path.as_deref().unwrap_or(b".")).into_owned();
                let error = Error::from_reply(format!("cannot list {path}"), reply);
                match self.return_to.take() {
                    Some(dir) => {
                        self.step = ListStep::Return;
                        self.pending_error = Some(error);
                        Action::Send(Command::Cwd(dir))
                    }
                    None => Action::Fail(error),
                }
            }
            _ => Action::Fail(Error::new(ErrorKind::Protocol, "internal: unexpected outcome")),
        }
    }

    fn feed(&mut self, data: &[u8], cx: &mut TaskContext, end: bool) {
        let Some(parser) = self.parser.as_mut() else {
            return;
        };
        let all = self.options.all;
        let before = cx.entries.len();
        let mut keep = |entry: Entry| {
            let hidden = entry.kind != Kind::Unknown && entry.name.starts_with('.');
            if !is_self_or_parent(&entry) && (all || !hidden) {
                cx.entries.push(entry);
            }
        };
        let mut line = |line: &[u8]| {
            if let Some(entry) = parser.parse_line(line) {
                keep(entry);
            }
        };
        if end {
            self.splitter.finish(&mut line);
            // Entries the parser still holds (a VMS name whose second line never came).
            while let Some(entry) = parser.finish() {
                keep(entry);
            }
        } else {
            self.splitter.push(data, &mut line);
        }
        self.count += cx.entries.len() - before;
    }
}

impl Stat {
    pub(crate) fn new(path: Vec<u8>) -> Stat {
        Stat { path, step: StatStep::Size, size: None, modified: None, return_to: None, size_reply: None }
    }

    fn step(&mut self, outcome: Outcome, cx: &mut TaskContext) -> Action {
        let name = || String::from_utf8_lossy(&self.path).into_owned();
        match (outcome, self.step) {
            (Outcome::Start, _) => {
                if cx.use_mlsd && cx.features.has("MLST") {
                    self.step = StatStep::Mlst;
                    Action::Send(Command::Mlst(self.path.clone()))
                } else {
                    self.step = StatStep::Size;
                    Action::Send(Command::Size(self.path.clone()))
                }
            }
            (Outcome::Reply(reply), StatStep::Mlst) => {
                if !reply.is_completion() {
                    return Action::Fail(Error::from_reply(format!("cannot find {}", name()), reply));
                }
                let Some(line) = parse::mlst_line(&reply) else {
                    return Action::Fail(
                        Error::from_reply("the MLST reply holds no facts", reply)
                            .with_kind(ErrorKind::Protocol),
                    );
                };
                let options = ParseOptions { now: DateTime::from_unix_seconds(0), encoding: cx.encoding };
                match ftpbridge_listing::parse_mlsx_line(line, &options) {
                    Some(entry) => Action::Done(Value::Entry(entry)),
                    None => Action::Fail(
                        Error::from_reply("the MLST reply could not be read", reply)
                            .with_kind(ErrorKind::Protocol),
                    ),
                }
            }
            (Outcome::Reply(reply), StatStep::Size) => {
                if reply.code() == 213 {
                    self.size = parse::size(&reply);
                } else {
                    self.size_reply = Some(reply);
                }
                self.step = StatStep::Mdtm;
                Action::Send(Command::Mdtm(self.path.clone()))
            }
            (Outcome::Reply(reply), StatStep::Mdtm) => {
                if reply.code() == 213 {
                    self.modified = parse::modification_time(&reply);
                }
                if self.size.is_some() {
                    return Action::Done(Value::Entry(self.entry(Kind::File, cx)));
                }
                match cx.cwd.clone() {
                    Some(cwd) => {
                        self.return_to = Some(cwd);
                        self.step = StatStep::Cwd;
                        Action::Send(Command::Cwd(self.path.clone()))
                    }
                    None => self.not_found(reply),
                }
            }
            (Outcome::Reply(reply), StatStep::Cwd) => {
                if reply.is_completion() {
                    self.step = StatStep::Return;
                    Action::Send(Command::Cwd(self.return_to.take().unwrap_or_default()))
                } else {
                    self.not_found(reply)
                }
            }
            (Outcome::Reply(reply), StatStep::Return) => {
                if !reply.is_completion() {
                    *cx.cwd = None;
                }
                Action::Done(Value::Entry(self.entry(Kind::Dir, cx)))
            }
            _ => Action::Fail(Error::new(ErrorKind::Protocol, "internal: unexpected outcome")),
        }
    }

    fn not_found(&mut self, reply: Reply) -> Action {
        let reply = self.size_reply.take().unwrap_or(reply);
        let name = String::from_utf8_lossy(&self.path).into_owned();
        Action::Fail(Error::from_reply(format!("cannot find {name}"), reply).with_kind(ErrorKind::NotFound))
    }

    fn entry(&self, kind: Kind, cx: &TaskContext) -> Entry {
        let name_bytes =
            self.path.rsplit(|&b| b == b'/').find(|part| !part.is_empty()).unwrap_or(&self.path).to_vec();
        let name = cx.encoding.decode(&name_bytes).into_owned();
        Entry {
            raw: String::new(),
            kind,
            size: self.size,
            modified: self.modified,
            permissions: None,
            owner: None,
            group: None,
            target: None,
            target_bytes: None,
            name,
            name_bytes,
        }
    }
}

impl Retrieve {
    pub(crate) fn new(path: Vec<u8>, offset: u64, length: Option<u64>) -> Retrieve {
        Retrieve { path, offset, length, size: None, step: RetrieveStep::Size }
    }

    fn step(&mut self, outcome: Outcome, cx: &mut TaskContext) -> Action {
        match (outcome, self.step) {
            (Outcome::Start, _) if !*cx.binary => {
                self.step = RetrieveStep::Binary;
                Action::Send(Command::Type)
            }
            (Outcome::Start, _) => self.ask_size(),
            (Outcome::Reply(reply), RetrieveStep::Binary) => match binary_reply(reply, cx) {
                Ok(()) => self.ask_size(),
                Err(error) => Action::Fail(error),
            },
            (Outcome::Reply(reply), RetrieveStep::Size) => {
                self.size = parse::size(&reply).filter(|_| reply.code() == 213);
                if self.size.is_none() && cx.features.has("MLST") {
                    // No SIZE: MLST's size fact tells the same, where the server has it.
                    self.step = RetrieveStep::Mlst;
                    return Action::Send(Command::Mlst(self.path.clone()));
                }
                self.open()
            }
            (Outcome::Reply(reply), RetrieveStep::Mlst) => {
                self.size = mlst_size(&reply, cx);
                self.open()
            }
            (Outcome::DataReady, _) if self.offset > 0 => {
                self.step = RetrieveStep::Rest;
                Action::Send(Command::Rest(self.offset))
            }
            (Outcome::Reply(reply), RetrieveStep::Rest) if reply.code() != 350 => Action::Fail(
                Error::from_reply("the server cannot resume downloads (REST refused)", reply)
                    .with_detail("restart_refused"),
            ),
            (Outcome::DataReady, _) | (Outcome::Reply(_), RetrieveStep::Rest) => {
                self.step = RetrieveStep::Transfer;
                // A range that runs to the end of the file is an ordinary transfer,
                // checked against the size; one that stops short of it ends by limit.
                let left = self.size.map(|total| total - self.offset);
                let limit = self.length.filter(|&length| left.is_none_or(|left| length < left));
                Action::Transfer(TransferSpec {
                    command: Command::Retr(self.path.clone()),
                    direction: Direction::Download,
                    expected: if limit.is_some() { None } else { left },
                    offset: self.offset,
                    limit,
                })
            }
            (Outcome::Transferred { bytes }, _) => Action::Done(Value::Transferred { bytes }),
            (Outcome::Reply(reply), _) => Action::Fail(Error::from_reply(
                format!("cannot download {}", String::from_utf8_lossy(&self.path)),
                reply,
            )),
        }
    }

    fn ask_size(&mut self) -> Action {
        self.step = RetrieveStep::Size;
        Action::Send(Command::Size(self.path.clone()))
    }

    /// With the size known (or not), checks the offset and opens the data connection.
    fn open(&mut self) -> Action {
        if self.length == Some(0) {
            return Action::Done(Value::Transferred { bytes: 0 });
        }
        if let Some(total) = self.size {
            let offset = self.offset;
            if offset > total {
                return Action::Fail(Error::new(
                    ErrorKind::InvalidInput,
                    format!("cannot resume at byte {offset}: the remote file has only {total} bytes"),
                ));
            }
            if offset == total && total > 0 {
                return Action::Done(Value::Transferred { bytes: 0 });
            }
        }
        self.step = RetrieveStep::Open;
        Action::OpenData
    }
}

impl Store {
    pub(crate) fn new(path: Vec<u8>, options: StoreOptions) -> Store {
        Store { path, options, offset: 0, step: StoreStep::Open, sent: 0 }
    }

    fn step(&mut self, outcome: Outcome, cx: &mut TaskContext) -> Action {
        let name = || String::from_utf8_lossy(&self.path).into_owned();
        match (outcome, self.step) {
            (Outcome::Start, _) if !*cx.binary => {
                self.step = StoreStep::Binary;
                Action::Send(Command::Type)
            }
            (Outcome::Start, _) => self.begin(),
            (Outcome::Reply(reply), StoreStep::Binary) => match binary_reply(reply, cx) {
                Ok(()) => self.begin(),
                Err(error) => Action::Fail(error),
            },
            (Outcome::Reply(reply), StoreStep::Size) => match (reply.code(), parse::size(&reply)) {
                (213, Some(size)) => self.resume_at(size),
                // No such file yet: upload from the start.
                (550 | 450, _) => self.resume_at(0),
                _ if cx.features.has("MLST") => {
                    // No SIZE: MLST's size fact tells the same.
                    self.step = StoreStep::Mlst;
                    Action::Send(Command::Mlst(self.path.clone()))
                }
                _ => Action::Fail(Error::from_reply(
                    format!("cannot resume {}: the server does not tell its size (SIZE)", name()),
                    reply,
                )),
            },
            (Outcome::Reply(reply), StoreStep::Mlst) => match mlst_size(&reply, cx) {
                Some(size) => self.resume_at(size),
                None if matches!(reply.code(), 550 | 450) => self.resume_at(0),
                None => Action::Fail(Error::from_reply(
                    format!(
                        "cannot resume {}: the server tells its size neither by SIZE nor by MLST",
                        name()
                    ),
                    reply,
                )),
            },
            (Outcome::DataReady, _) => {
                let command = match self.options.mode {
                    StoreMode::Replace => Command::Stor(self.path.clone()),
                    StoreMode::Append => Command::Appe(self.path.clone()),
                    StoreMode::Resume if self.offset == 0 => Command::Stor(self.path.clone()),
                    StoreMode::Resume => Command::Appe(self.path.clone()),
                };
                self.step = StoreStep::Transfer { appe: matches!(command, Command::Appe(_)) };
                Action::Transfer(TransferSpec {
                    command,
                    direction: Direction::Upload,
                    expected: None,
                    offset: self.offset,
                    limit: None,
                })
            }
            (Outcome::Reply(reply), StoreStep::Transfer { appe: true })
                if self.options.mode == StoreMode::Resume && matches!(reply.code(), 500 | 502 | 504) =>
            {
                // APPE is not offered: REST + STOR does the same on servers that allow it.
                self.step = StoreStep::Rest;
                Action::Send(Command::Rest(self.offset))
            }
            (Outcome::Reply(reply), StoreStep::Rest) => {
                if reply.code() == 350 {
                    self.step = StoreStep::Transfer { appe: false };
                    Action::Transfer(TransferSpec {
                        command: Command::Stor(self.path.clone()),
                        direction: Direction::Upload,
                        expected: None,
                        offset: self.offset,
                        limit: None,
                    })
                } else {
                    Action::Fail(Error::from_reply(format!("cannot resume the upload of {}", name()), reply))
                }
            }
            (Outcome::Transferred { bytes }, _) => {
                self.sent = bytes;
                let verify = cx.verify_upload_size && self.options.mode != StoreMode::Append;
                if verify && cx.features.has("SIZE") {
                    self.step = StoreStep::Verify { mlst: false };
                    Action::Send(Command::Size(self.path.clone()))
                } else if verify && cx.features.has("MLST") {
                    self.step = StoreStep::Verify { mlst: true };
                    Action::Send(Command::Mlst(self.path.clone()))
                } else {
                    Action::Done(Value::Transferred { bytes })
                }
            }
            (Outcome::Reply(reply), StoreStep::Verify { mlst }) => {
                let expected = self.offset + self.sent;
                let size = match mlst {
                    true => mlst_size(&reply, cx),
                    false => parse::size(&reply).filter(|_| reply.code() == 213),
                };
                match size {
                    Some(size) if size != expected => Action::Fail(Error::new(
                        ErrorKind::Incomplete,
                        format!(
                            "the upload of {} is incomplete: the server holds {size} bytes of {expected}",
                            name()
                        ),
                    )),
                    _ => Action::Done(Value::Transferred { bytes: self.sent }),
                }
            }
            (Outcome::Reply(reply), _) => {
                Action::Fail(Error::from_reply(format!("cannot upload {}", name()), reply))
            }
        }
    }

    /// In binary mode: a resume asks the remote size first, anything else opens the
    /// data connection.
    fn begin(&mut self) -> Action {
        if self.options.mode == StoreMode::Resume {
            self.step = StoreStep::Size;
            Action::Send(Command::Size(self.path.clone()))
        } else {
            self.step = StoreStep::Open;
            Action::OpenData
        }
    }

    /// The remote file holds `size` bytes: a resume goes on from there.
    fn resume_at(&mut self, size: u64) -> Action {
        self.offset = size;
        if let Some(local) = self.options.local_size {
            if size > local {
                return Action::Fail(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "cannot resume {}: the remote file ({size} bytes) is larger than the local one ({local} bytes)",
                        String::from_utf8_lossy(&self.path)
                    ),
                ));
            }
            if size == local && local > 0 {
                return Action::Done(Value::Transferred { bytes: 0 });
            }
        }
        self.step = StoreStep::Open;
        Action::OpenData
    }
}

/// The reply to `TYPE I` sent before a transfer: refused means the file could be
/// altered in transfer (line endings converted), so it is not transferred.
fn binary_reply(reply: Reply, cx: &mut TaskContext) -> Result<(), Error> {
    if reply.is_completion() {
        *cx.binary = true;
        return Ok(());
    }
    Err(Error::from_reply(
        "the server refuses binary mode (TYPE I): a file sent in ASCII mode may come out altered, so it is not transferred",
        reply,
    )
    .with_kind(ErrorKind::Rejected))
}

/// The size fact of an MLST reply, when it has one.
fn mlst_size(reply: &Reply, cx: &TaskContext) -> Option<u64> {
    if !reply.is_completion() {
        return None;
    }
    let line = parse::mlst_line(reply)?;
    let options = ParseOptions { now: DateTime::from_unix_seconds(0), encoding: cx.encoding };
    ftpbridge_listing::parse_mlsx_line(line, &options)?.size
}

/// Whether the refusal of a listing means the directory is empty: many servers answer
/// LIST or NLST in an empty directory with `450`/`550` "No files found". When the
/// directory is known to exist (the working directory, or one the session just
/// entered), a "not found" means nothing matched; elsewhere only the words say it.
fn refusal_means_empty(reply: &Reply, known_directory: bool) -> bool {
    if !matches!(reply.code(), 450 | 550) {
        return false;
    }
    let text = reply.text().to_ascii_lowercase();
    let says = |words: &[&str]| words.iter().any(|w| text.contains(w));
    says(&["no files", "empty", "no match"])
        || (known_directory && says(&["not found", "no such file", "does not exist", "no entries"]))
}

/// Whether an entry is the listed directory itself or its parent: `.` and `..`, or
/// MLSD's `type=cdir` and `type=pdir` (whose names may be full paths).
fn is_self_or_parent(entry: &Entry) -> bool {
    if matches!(entry.name.as_str(), "." | "..") {
        return true;
    }
    let facts = entry.raw.split(' ').next().unwrap_or_default();
    facts
        .split(';')
        .any(|fact| fact.eq_ignore_ascii_case("type=cdir") || fact.eq_ignore_ascii_case("type=pdir"))
}
