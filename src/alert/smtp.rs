//! keepalived's SMTP alert conversation (`core/smtp.c`), sans-IO: the mail as keepalived
//! composes it ([`Message`]) and its finite-state machine ([`Conversation`]), which is told
//! what the socket did and answers what to do next ([`Next`]) plus keepalived's log lines.
//!
//! The stages and their expected reply codes are keepalived's `SMTP_FSM`: greeting 220, HELO
//! 250, MAIL 250, one RCPT per `notification_email` 250, DATA 354, the message 250, QUIT 221.
//! A wrong code is logged and answered with QUIT (even a wrong code to QUIT, as in keepalived);
//! a read timeout before QUIT also sends QUIT.

use std::net::SocketAddr;

use crate::log::LogLine;

/// keepalived's `SMTP_BUFFER_MAX`: each command, the To: list and the reply buffer.
pub const BUFFER_MAX: usize = 1024;
/// keepalived's `MAX_HEADERS_LENGTH`: the subject buffer (255 bytes and a NUL).
pub const SUBJECT_MAX: usize = 256;
/// keepalived's `MAX_BODY_LENGTH`: the body buffer (511 bytes and a NUL).
pub const BODY_MAX: usize = 512;

/// keepalived's `FMT_SMTP_HOST()` (`inet_sockaddrtopair()`): `[ADDR]:PORT`.
pub fn fmt_host(server: &SocketAddr) -> String {
    format!("[{}]:{}", server.ip(), server.port())
}

/// `s` cut to fit a C buffer of `size` bytes (`snprintf`/`strncpy` with a NUL).
fn cut(s: &[u8], size: usize) -> Vec<u8> {
    s[..s.len().min(size - 1)].to_vec()
}

/// keepalived's `build_to_header_rcpt_addrs()`: the addresses joined by ", " within
/// [`BUFFER_MAX`]` - 1` bytes; an address that does not fit ends the list (after its comma).
pub fn to_header(to: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut avail = BUFFER_MAX - 1;
    for (i, a) in to.iter().enumerate() {
        if i > 0 {
            if avail < 2 {
                break;
            }
            out.extend_from_slice(b", ");
            avail -= 2;
        }
        if avail < a.len() {
            break;
        }
        out.extend_from_slice(a.as_bytes());
        avail -= a.len();
    }
    out
}

/// One alert mail: what `smtp_alert()` stores in its `smtp_t` plus the global settings the
/// commands use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// `smtp_helo_name` (keepalived: `localhost` when unset).
    pub helo: String,
    /// `notification_email_from` (keepalived prints a missing one as `(null)`).
    pub from: String,
    /// `notification_email`, in order; never empty (keepalived sends nothing then).
    pub to: Vec<String>,
    /// Subject, cut to [`SUBJECT_MAX`]` - 1` bytes.
    pub subject: Vec<u8>,
    /// Body, cut to [`BODY_MAX`]` - 1` bytes.
    pub body: Vec<u8>,
}

impl Message {
    /// A message with keepalived's length limits applied to subject and body.
    pub fn new(helo: String, from: String, to: Vec<String>, subject: &str, body: &str) -> Message {
        Message {
            helo,
            from,
            to,
            subject: cut(subject.as_bytes(), SUBJECT_MAX),
            body: cut(body.as_bytes(), BODY_MAX),
        }
    }

    /// The DATA payload (`body_cmd()`): keepalived's headers with `date`
    /// (`%a, %d %b %Y %H:%M:%S %z`), the body, and `CRLF.CRLF`, cut to [`BUFFER_MAX`]` - 1`
    /// bytes as keepalived's `snprintf` into its send buffer cuts it.
    pub fn data(&self, date: &str) -> Vec<u8> {
        let mut m = Vec::with_capacity(BUFFER_MAX);
        m.extend_from_slice(format!("Date: {date}\r\nFrom: {}\r\nSubject: ", self.from).as_bytes());
        m.extend_from_slice(&self.subject);
        m.extend_from_slice(b"\r\nX-Mailer: Keepalived\r\nTo: ");
        m.extend_from_slice(&to_header(&self.to));
        m.extend_from_slice(b"\r\n\r\n");
        m.extend_from_slice(&self.body);
        m.extend_from_slice(b"\r\n\r\n.\r\n");
        cut(&m, BUFFER_MAX)
    }
}

/// keepalived's SMTP stages (`enum smtp_cmd_state`, with `connect_success` as `Greeting`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Connected, waiting for the 220 greeting.
    Greeting,
    /// HELO sent.
    Helo,
    /// MAIL FROM sent.
    Mail,
    /// A RCPT TO sent.
    Rcpt,
    /// DATA sent.
    Data,
    /// The message sent.
    Body,
    /// QUIT sent.
    Quit,
    /// Done: close.
    End,
}

impl Stage {
    /// The reply code keepalived expects, and the name its error line gives the stage.
    fn expected(self) -> (i32, &'static str) {
        match self {
            Stage::Greeting => (220, "(E)SMTP"),
            Stage::Helo => (250, "HELO"),
            Stage::Mail => (250, "MAIL"),
            Stage::Rcpt => (250, "RCPT"),
            Stage::Data => (354, "DATA"),
            Stage::Body => (250, "BODY"),
            Stage::Quit | Stage::End => (221, "QUIT"),
        }
    }

    fn next(self) -> Stage {
        match self {
            Stage::Greeting => Stage::Helo,
            Stage::Helo => Stage::Mail,
            Stage::Mail => Stage::Rcpt,
            Stage::Rcpt => Stage::Data,
            Stage::Data => Stage::Body,
            Stage::Body => Stage::Quit,
            Stage::Quit | Stage::End => Stage::End,
        }
    }
}

/// What the I/O shell does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Send these bytes (one `send()`), then read the reply.
    Send(Vec<u8>),
    /// Read more (at most [`Conversation::read_capacity`] bytes, within the timeout).
    Read,
    /// Close the connection; the conversation is over.
    Close,
}

/// One alert's SMTP conversation (keepalived's `smtp_t` and its FSM).
#[derive(Debug)]
pub struct Conversation {
    msg: Message,
    host: String,
    stage: Stage,
    /// Index of the next RCPT TO address; `None` once the last one was sent.
    next_rcpt: Option<usize>,
    buf: Vec<u8>,
    logs: Vec<LogLine>,
}

impl Conversation {
    /// A conversation with `server` about to be connected.
    pub fn new(msg: Message, server: SocketAddr) -> Conversation {
        let next_rcpt = (!msg.to.is_empty()).then_some(0);
        Conversation {
            msg,
            host: fmt_host(&server),
            stage: Stage::Greeting,
            next_rcpt,
            buf: Vec::new(),
            logs: Vec::new(),
        }
    }

    /// The current stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// keepalived's log lines so far (taken).
    pub fn take_logs(&mut self) -> Vec<LogLine> {
        std::mem::take(&mut self.logs)
    }

    fn log(&mut self, text: String) -> Next {
        self.logs.push(LogLine::info(text));
        Next::Close
    }

    /// `connection_success()`: connected, wait for the greeting.
    pub fn connected(&mut self) -> Next {
        self.logs
            .push(LogLine::detail(format!("Remote SMTP server {} connected.", self.host)));
        self.stage = Stage::Greeting;
        Next::Read
    }

    /// `connection_in_progress()` on THREAD_WRITE_TIMEOUT: no connection within
    /// `smtp_connect_timeout`.
    pub fn connect_timeout(&mut self) -> Next {
        self.log(format!(
            "Timeout opening connection to remote SMTP server {}.",
            self.host
        ))
    }

    /// `connection_in_progress()` on THREAD_WRITE_ERROR (epoll reported an error on the
    /// connecting socket, e.g. connection refused).
    pub fn write_error(&mut self, fd: i32) -> Next {
        self.log(format!("smtp fd {fd} returned write error"))
    }

    /// `tcp_socket_state()`'s verdict on a failed connection without an epoll error:
    /// `connect_timeout` (SO_ERROR ETIMEDOUT) or `connect_fail`.
    pub fn connect_failed(&mut self, so_error: i32) -> Next {
        if so_error == libc::ETIMEDOUT {
            self.log(format!("Timeout connecting SMTP server {}.", self.host))
        } else {
            self.log(format!("SMTP connection ERROR to {}.", self.host))
        }
    }

    /// How many bytes the next read may take (`SMTP_BUFFER_MAX - buflen`).
    pub fn read_capacity(&self) -> usize {
        BUFFER_MAX - self.buf.len()
    }

    /// THREAD_READ_TIMEOUT: no reply within `smtp_connect_timeout`.
    pub fn read_timeout(&mut self, date: impl FnOnce() -> String) -> Next {
        self.logs.push(LogLine::info(format!(
            "Timeout reading data to remote SMTP server {}.",
            self.host
        )));
        if self.stage == Stage::Quit {
            return Next::Close;
        }
        self.stage = Stage::Quit;
        self.command(date)
    }

    /// THREAD_READ_ERROR (epoll reported an error, e.g. a reset connection).
    pub fn read_error(&mut self, fd: i32) -> Next {
        self.log(format!("smtp fd {fd} returned read error"))
    }

    /// `read()` failed after the socket was reported readable.
    pub fn read_failed(&mut self, date: impl FnOnce() -> String) -> Next {
        self.logs.push(LogLine::info(format!(
            "Error reading data from remote SMTP server {}.",
            self.host
        )));
        self.stage = Stage::Quit;
        self.command(date)
    }

    /// `read()` returned 0.
    pub fn closed(&mut self) -> Next {
        self.log(format!("Remote SMTP server {} has closed the connection.", self.host))
    }

    /// `send()` failed.
    pub fn send_failed(&mut self) -> Next {
        self.log(format!("Cannot send data to remote SMTP server {}.", self.host))
    }

    /// Bytes read (`smtp_read_thread()`): finds the status of the first complete
    /// non-continuation reply line and moves on, or asks for more. `date` is called only
    /// when the message is about to be sent.
    pub fn received(&mut self, data: &[u8], date: impl FnOnce() -> String) -> Next {
        if self.buf.len() + data.len() >= BUFFER_MAX {
            self.logs.push(LogLine::info(format!(
                "Received buffer from remote SMTP server {} overflow our get read buffer length.",
                self.host
            )));
            self.buf.clear();
            self.stage = Stage::Quit;
            return self.command(date);
        }
        self.buf.extend_from_slice(data);
        let Some(status) = self.take_status() else {
            return Next::Read;
        };
        let (expected, name) = self.stage.expected();
        if status == expected {
            match self.stage {
                Stage::Rcpt if self.next_rcpt.is_some() => {}
                Stage::Body => {
                    self.logs.push(LogLine::detail("SMTP alert successfully sent."));
                    self.stage = Stage::Body.next();
                }
                s => self.stage = s.next(),
            }
        } else {
            self.logs.push(LogLine::info(format!(
                "Error processing {name} cmd on SMTP server {}. SMTP status code = {status}",
                self.host
            )));
            self.stage = Stage::Quit;
        }
        if self.stage == Stage::End {
            return Next::Close;
        }
        self.command(date)
    }

    /// The reply parsing of `smtp_read_thread()`: skips `NNN-` continuation lines, takes the
    /// code of the first complete final line and keeps what follows it; a partial line stays
    /// buffered. The code is computed from the first three bytes as keepalived does, digits
    /// or not.
    fn take_status(&mut self) -> Option<i32> {
        let byte = |b: &[u8], i: usize| b.get(i).copied().unwrap_or(0) as i8 as i32;
        let mut pos = 0;
        let mut status = None;
        while pos < self.buf.len() {
            let Some(eol) = find_crlf(&self.buf[pos..]).map(|e| pos + e) else {
                self.buf.drain(..pos);
                return None;
            };
            if byte(&self.buf, pos + 3) == b'-' as i32 {
                pos = eol + 2;
                continue;
            }
            let d = |i| byte(&self.buf, pos + i) - b'0' as i32;
            status = Some(d(0) * 100 + d(1) * 10 + d(2));
            pos = eol + 2;
            break;
        }
        self.buf.drain(..pos.min(self.buf.len()));
        status
    }

    /// The command of the current stage (`smtp_send()` with the stage's send handler).
    fn command(&mut self, date: impl FnOnce() -> String) -> Next {
        let line = match self.stage {
            Stage::Helo => format!("HELO {}\r\n", self.msg.helo).into_bytes(),
            Stage::Mail => format!("MAIL FROM:<{}>\r\n", self.msg.from).into_bytes(),
            Stage::Rcpt => {
                let Some(i) = self.next_rcpt else {
                    return Next::Close;
                };
                self.next_rcpt = (i + 1 < self.msg.to.len()).then_some(i + 1);
                format!("RCPT TO:<{}>\r\n", self.msg.to[i]).into_bytes()
            }
            Stage::Data => b"DATA\r\n".to_vec(),
            Stage::Body => return Next::Send(self.msg.data(&date())),
            Stage::Quit => b"QUIT\r\n".to_vec(),
            // Never sent: the greeting is read, not sent, and END closes.
            Stage::Greeting | Stage::End => return Next::Close,
        };
        Next::Send(cut(&line, BUFFER_MAX))
    }
}

/// Offset of the first CRLF (keepalived's `strstr(reply, "\r\n")`).
fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

#[cfg(test)]
#[path = "smtp_tests.rs"]
mod tests;
