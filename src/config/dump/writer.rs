//! A small writer for keepalived.conf text: indentation, blocks and quoting.

use crate::config::tokens::{quote_command_word, quote_word};

/// Accumulates configuration text.
#[derive(Debug, Default)]
pub struct ConfWriter {
    out: String,
    depth: usize,
}

impl ConfWriter {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
    }

    /// A `# comment` line.
    pub fn comment(&mut self, text: &str) {
        self.indent();
        self.out.push_str("# ");
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A keyword line; each word is quoted if it needs to be.
    pub fn line<S: AsRef<str>>(&mut self, words: &[S]) {
        self.indent();
        let q: Vec<String> = words.iter().map(|w| quote_word(w.as_ref())).collect();
        self.out.push_str(&q.join(" "));
        self.out.push('\n');
    }

    /// A keyword line whose first argument is a command line (`notify_master "/bin/x a"`), kept
    /// as one double-quoted word the script splitter can read back, then optional user/group.
    pub fn script_line(&mut self, keyword: &str, args: &[String], user_group: &[&str]) {
        self.indent();
        let cmd: Vec<String> = args.iter().map(|a| quote_command_word(a)).collect();
        let joined = cmd.join(" ");
        // The whole command is one word of the keyword line: wrap it in single quotes if it has
        // no single quote, else escape for the double-quoted form.
        self.out.push_str(keyword);
        self.out.push(' ');
        self.out.push_str(&quote_command_word(&joined));
        for u in user_group {
            self.out.push(' ');
            self.out.push_str(&quote_word(u));
        }
        self.out.push('\n');
    }

    /// A line written exactly as given (its words already quoted by the caller), for keywords
    /// whose handler re-reads the raw line with script quoting (`regex`).
    pub fn raw(&mut self, text: &str) {
        self.indent();
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Opens `header {`.
    pub fn open<S: AsRef<str>>(&mut self, header: S) {
        self.indent();
        self.out.push_str(header.as_ref());
        self.out.push_str(" {\n");
        self.depth += 1;
    }

    /// Closes the innermost block.
    pub fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("}\n");
    }

    /// The text.
    pub fn finish(self) -> String {
        self.out
    }
}
