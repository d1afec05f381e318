//! FILE_CHECK, sans-IO (keepalived's check_file.c and trackers/track_file.c): the number in a
//! `track_file`, times the checker's weight (negated with `reverse`), is either a fault
//! (the checker goes down) or a weight added to the real server's.
//!
//! keepalived reads the file when it changes (inotify); the caller does the reading with
//! [`read_value`] and feeds each new value to [`FileChecker::update`].

use crate::config::model::check::FileCheck;
use crate::config::model::track::TrackFile;
use crate::log::LogLine;

/// keepalived's `IPVS_WEIGHT_FAULT` (`INT_MIN`).
pub const WEIGHT_FAULT: i32 = i32::MIN;

/// What a new file value does to the checker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileEvent {
    /// Fault: the checker goes down and its weight share is dropped.
    Down,
    /// Out of fault: the checker comes up adding `weight` to the real server's.
    Up {
        /// The checker's weight share.
        weight: i32,
    },
    /// Still up; its weight share becomes `weight`.
    Weight {
        /// The checker's weight share.
        weight: i32,
    },
}

/// One FILE_CHECK's state (keepalived's `tracking_obj_t` of a checker).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChecker {
    /// The track file's name, for the log lines.
    pub name: String,
    /// The real server as `FMT_RS` prints it, for the log lines.
    pub rs: String,
    weight: i32,
    multiplier: i64,
    last: i64,
}

/// `weight_range()`: clamps to `int`.
fn weight_range(w: i64) -> i32 {
    w.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

impl FileChecker {
    /// The checker for `check` of `file` (`file_end_handler()`: the track file's weight and
    /// reverse when the FILE_CHECK gives none), with the file's value at start.
    pub fn new(check: &FileCheck, file: &TrackFile, rs: &str, initial: i64) -> FileChecker {
        let (weight, reverse) = match check.weight {
            Some(w) => (w, check.reverse),
            None => (file.weight, file.weight_reverse),
        };
        FileChecker {
            name: file.name.clone(),
            rs: rs.to_string(),
            weight,
            multiplier: if reverse { -1 } else { 1 },
            last: initial,
        }
    }

    /// The status a value gives (`update_track_file_status()`): with weight 0, a fault when
    /// the value is non-zero (zero with `reverse`); otherwise value × weight × ±1, clamped.
    pub fn status(&self, value: i64) -> i32 {
        if self.weight == 0 {
            if (value == 0) != (self.multiplier == 1) {
                WEIGHT_FAULT
            } else {
                0
            }
        } else {
            weight_range(value * i64::from(self.weight) * self.multiplier)
        }
    }

    /// Whether the checker starts up (`set_track_file_checkers_down()`: only a non-zero value
    /// can start it down; keepalived then tests weight 0 without looking at `reverse`).
    pub fn initially_up(&self) -> bool {
        if self.last == 0 {
            return true;
        }
        let product = self.last * i64::from(self.weight) * self.multiplier;
        !(self.weight == 0 || product <= i64::from(WEIGHT_FAULT))
    }

    /// The weight share at start (`set_track_file_weights()`).
    pub fn initial_weight(&self) -> i32 {
        if self.last != 0 && self.weight != 0 {
            (self.last * i64::from(self.weight) * self.multiplier) as i32
        } else {
            0
        }
    }

    /// A new value read from the file (`process_update_checker_track_file_status()`), with
    /// keepalived's detail log lines.
    pub fn update(&mut self, value: i64) -> (Option<FileEvent>, Vec<LogLine>) {
        if value == self.last {
            return (None, Vec::new());
        }
        let previous = self.status(self.last);
        let new = self.status(value);
        self.last = value;
        if previous == new {
            return (None, Vec::new());
        }
        if new == WEIGHT_FAULT {
            let l = format!("({}): tracked file {} now FAULT state", self.rs, self.name);
            (Some(FileEvent::Down), vec![LogLine::detail(l)])
        } else if previous == WEIGHT_FAULT {
            let l = format!("({}): tracked file {} leaving FAULT state", self.rs, self.name);
            (Some(FileEvent::Up { weight: new }), vec![LogLine::detail(l)])
        } else {
            (Some(FileEvent::Weight { weight: new }), Vec::new())
        }
    }
}

/// `process_track_file()`: the number in the file (C `strtol` base 0 of its first 127
/// bytes); 0 when it is missing or empty. `Err` carries keepalived's line for a number out
/// of range, which is ignored (the last value stays).
pub fn parse_value(path: &str, bytes: Option<&[u8]>) -> Result<i64, LogLine> {
    let Some(b) = bytes.filter(|b| !b.is_empty()) else {
        return Ok(0);
    };
    let b = &b[..b.len().min(127)];
    let text = String::from_utf8_lossy(b);
    let text = text.split('\0').next().unwrap_or("");
    let r = crate::config::cnum::strtol(text, 0);
    if r.overflow || r.value < i64::from(i32::MIN) || r.value > i64::from(i32::MAX) + 1 {
        return Err(LogLine::info(format!(
            "Invalid number {} read from {path} - ignoring",
            r.value
        )));
    }
    Ok(r.value)
}

/// Reads a track file ([`parse_value`]).
pub fn read_value(path: &str) -> Result<i64, LogLine> {
    parse_value(path, std::fs::read(path).ok().as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Origin;

    fn checker(weight: Option<i32>, reverse: bool, initial: i64) -> FileChecker {
        let file = TrackFile {
            name: "tf".into(),
            file_path: "/tmp/tf".into(),
            weight: 3,
            weight_reverse: false,
            init: None,
            tracking_vrrp: Vec::new(),
            origin: Origin::default(),
        };
        let check = FileCheck {
            track_file: "tf".into(),
            weight,
            reverse,
            origin: Origin::default(),
        };
        FileChecker::new(&check, &file, "[10.0.0.2]:tcp:80", initial)
    }

    #[test]
    fn update_track_file_status_weight_zero() {
        let mut c = checker(Some(0), false, 0);
        assert!(c.initially_up());
        assert_eq!(c.update(5).0, Some(FileEvent::Down));
        assert_eq!(c.update(7).0, None);
        let (e, logs) = c.update(0);
        assert_eq!(e, Some(FileEvent::Up { weight: 0 }));
        assert_eq!(logs[0].text, "([10.0.0.2]:tcp:80): tracked file tf leaving FAULT state");
        let mut r = checker(Some(0), true, 1);
        assert!(
            !r.initially_up(),
            "keepalived's start-up test ignores reverse with weight 0"
        );
        assert_eq!(r.update(0).0, Some(FileEvent::Down));
    }

    #[test]
    fn update_track_file_status_weights() {
        let mut c = checker(None, false, 2);
        assert!(c.initially_up());
        assert_eq!(c.initial_weight(), 6, "the track file's weight");
        assert_eq!(c.update(-4).0, Some(FileEvent::Weight { weight: -12 }));
        let mut r = checker(Some(2), true, 0);
        assert_eq!(r.update(5).0, Some(FileEvent::Weight { weight: -10 }));
        // Clamped to INT_MIN: fault.
        assert_eq!(r.update(i64::from(i32::MAX)).0, Some(FileEvent::Down));
        assert_eq!(r.update(1).0, Some(FileEvent::Up { weight: -2 }));
        assert!(!checker(Some(1), false, i64::from(i32::MIN)).initially_up());
    }

    #[test]
    fn process_track_file_parsing() {
        assert_eq!(parse_value("f", None), Ok(0));
        assert_eq!(parse_value("f", Some(b"")), Ok(0));
        assert_eq!(parse_value("f", Some(b" 12\n")), Ok(12));
        assert_eq!(parse_value("f", Some(b"0x10")), Ok(16));
        assert_eq!(parse_value("f", Some(b"-7abc")), Ok(-7));
        assert_eq!(parse_value("f", Some(b"2147483648")), Ok(2147483648));
        assert_eq!(
            parse_value("f", Some(b"2147483649")).unwrap_err().text,
            "Invalid number 2147483649 read from f - ignoring"
        );
    }
}
