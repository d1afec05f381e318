//! Keeping each process's resident set to what it uses: [`set_up`] at start (no transparent
//! huge pages), then [`trim_after_startup`] and [`trim_heap`].
//!
//! Loading the configuration touches most of the binary's code (the reader, every keyword
//! handler, validation), and the kernel's fault-around maps neighbouring pages too, so right
//! after start-up nearly all of the executable is resident although a child's loop (VRRP or
//! health checkers) runs a small part of it. Once the loop runs, the child returns freed heap
//! to the system (`malloc_trim`) and drops the file-backed pages it mapped: `MADV_PAGEOUT`
//! (Linux 5.4+) reclaims the read-only pages only this process maps (our executable) and never
//! discards written (relocated, RELRO) pages; then every such mapping with no written page
//! (code and read-only data, identical to the file) is unmapped from this process with
//! `MADV_DONTNEED`, which also drops the pages the parent maps too (they stay in the page
//! cache). Everything faults back in when used; `MADV_RANDOM` turns off readahead so that only
//! the pages the loop runs come back. Nothing changes in behaviour; only the resident set
//! shrinks to what the loop uses. Both children call it after start-up; the checker child also
//! after its first round of results and after each reload.

/// One mapping of `/proc/self/smaps` that may be dropped: read-only (or executable), backed by
/// a file, and holding no anonymous (written, copy-on-write) page.
#[derive(Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    end: usize,
}

/// The clean file-backed mappings in a `/proc/self/smaps` text: not writable, with a path (not
/// `[heap]`, `[stack]`, `[vdso]`, anonymous), and `Anonymous: 0 kB`. The last excludes the
/// RELRO part of an executable, read-only now but relocated (written) at start: dropping
/// those pages would lose the relocations.
fn clean_file_mappings(smaps: &str) -> Vec<Mapping> {
    let mut out = Vec::new();
    let mut cur: Option<Mapping> = None;
    for l in smaps.lines() {
        let mut f = l.split_whitespace();
        let Some(first) = f.next() else { continue };
        if let Some((a, b)) = first.split_once('-')
            && let (Ok(start), Ok(end)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
        {
            // A mapping's header line: "start-end perms offset dev inode [path]".
            let perms = f.next().unwrap_or("");
            let path = f.nth(3).unwrap_or("");
            cur = (path.starts_with('/') && perms.as_bytes().get(1) == Some(&b'-')).then_some(Mapping { start, end });
        } else if first == "Anonymous:"
            && let Some(m) = cur.take()
            && f.next() == Some("0")
        {
            out.push(m);
        }
    }
    out
}

/// Sets up this process's memory for a long-running daemon; called first by every process.
///
/// No transparent huge pages (`PR_SET_THP_DISABLE`, inherited across fork and exec, so the
/// children have none either; scripts get the system's setting back, [`crate::exec`]). Where
/// THP is `always` (Debian's kernels), a heap of a few megabytes is otherwise backed by 2 MiB
/// pages: the RSS counts whole huge pages for a few live kilobytes, `malloc_trim` cannot give
/// their free parts back, and khugepaged collapses trimmed ranges into huge pages again. A
/// daemon this size gains nothing from them. Ignored where unsupported (Linux < 3.15).
pub fn set_up() {
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Returns free heap memory to the system (glibc's `malloc_trim`, which also releases free
/// pages inside the heap), e.g. periodically in the checker child.
pub fn trim_heap() {
    // SAFETY: malloc_trim only releases free heap memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Trims the resident set after start-up (see the module documentation). Errors are ignored:
/// an older kernel without `MADV_PAGEOUT` simply keeps the pages.
pub fn trim_after_startup() {
    trim_heap();
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return;
    };
    for m in clean_file_mappings(&smaps) {
        let (addr, len) = (m.start as *mut libc::c_void, m.end - m.start);
        // SAFETY: MADV_PAGEOUT is advisory and keeps written pages; pages only we map (our own
        // executable) leave memory and are read again on use. Then a private file mapping with
        // no anonymous page was never written, so MADV_DONTNEED loses nothing on the pages
        // shared with other processes either: the next access maps the same file contents.
        // Nothing writes it in between: it is read-only, and no thread changes protections.
        unsafe {
            // No readahead when paged-out code faults back in: with the file's pages absent
            // from the page cache, fault-around then maps only what the loop really runs.
            libc::madvise(addr, len, libc::MADV_RANDOM);
            libc::madvise(addr, len, libc::MADV_PAGEOUT);
            libc::madvise(addr, len, libc::MADV_DONTNEED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clean_read_only_file_mappings_are_chosen() {
        let smaps = "\
557f9083b000-557f90939000 r--p 00000000 fe:00 5784044   /usr/sbin/keepalived
Rss:                 120 kB
Anonymous:             0 kB
557f90939000-557f90c4a000 r-xp 000fd000 fe:00 5784044   /usr/sbin/keepalived
Anonymous:             0 kB
557f90c4a000-557f90c6d000 r--p 0040e000 fe:00 5784044   /usr/sbin/keepalived
Anonymous:           140 kB
557f90c6d000-557f90c70000 rw-p 0042f000 fe:00 5784044   /usr/sbin/keepalived
Anonymous:             0 kB
557f97730000-557f977ba000 rw-p 00000000 00:00 0         [heap]
Anonymous:           552 kB
7fc8c6251000-7fc8c6253000 r--p 00000000 00:00 0
Anonymous:             0 kB
7ffe987df000-7ffe98800000 rw-p 00000000 00:00 0         [stack]
Anonymous:           132 kB
7fff1000000-7fff1002000 r-xp 00000000 00:00 0           [vdso]
Anonymous:             0 kB
";
        assert_eq!(
            clean_file_mappings(smaps),
            [
                Mapping {
                    start: 0x557f9083b000,
                    end: 0x557f90939000,
                },
                Mapping {
                    start: 0x557f90939000,
                    end: 0x557f90c4a000,
                },
            ]
        );
    }

    #[test]
    fn the_real_maps_parse_and_exclude_our_writable_data() {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let clean = clean_file_mappings(&smaps);
        assert!(!clean.is_empty(), "the test binary's code is a clean file mapping");
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        for l in maps
            .lines()
            .filter(|l| l.split_whitespace().nth(1).is_some_and(|p| p.contains('w')))
        {
            let start = usize::from_str_radix(l.split('-').next().unwrap(), 16).unwrap();
            assert!(clean.iter().all(|m| m.start != start), "writable mapping chosen: {l}");
        }
    }

    #[test]
    fn set_up_turns_huge_pages_off() {
        set_up();
        // SAFETY: PR_GET_THP_DISABLE only reads a flag of this process.
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }, 1);
    }

    #[test]
    fn trimming_keeps_the_process_working() {
        trim_after_startup();
        // Code and read-only data paged out come back on use.
        let v: Vec<String> = (0..100).map(|i| format!("{i}")).collect();
        assert_eq!(v.join(",").len(), 289);
    }
}
