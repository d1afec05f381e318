//! Giving back the memory start-up needed and the steady state does not.
//!
//! Loading the configuration touches most of the binary's code (the reader, every keyword
//! handler, validation), and the kernel's fault-around maps neighbouring pages too, so right
//! after start-up nearly all of the executable is resident although a child's loop (VRRP or
//! health checkers) runs a small part of it. Once the loop runs, the child returns freed heap to the system
//! (`malloc_trim`) and drops the file-backed pages it mapped: `MADV_PAGEOUT` (Linux 5.4+)
//! reclaims the read-only pages only this process maps (our executable) and never discards
//! written (relocated, RELRO) pages; then executable mappings, never written and so identical to
//! the file, are unmapped from this process with `MADV_DONTNEED` (the shared libraries' code,
//! which stays in the page cache). Everything faults back in when used; `MADV_RANDOM` turns off
//! readahead so that only the pages the loop runs come back. Nothing changes in behaviour; only
//! the resident set shrinks to what the loop uses. Both children call it after start-up; the
//! checker child also after each reload.

/// One mapping of `/proc/self/maps` that may be paged out: read-only (or executable) and backed
/// by a file.
#[derive(Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    end: usize,
    /// `r-xp`: code, never written.
    exec: bool,
}

/// The clean file-backed mappings in a `/proc/self/maps` text: not writable (so never dirty),
/// with a path (not `[heap]`, `[stack]`, `[vdso]`, anonymous).
fn clean_file_mappings(maps: &str) -> Vec<Mapping> {
    maps.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let range = f.next()?;
            let perms = f.next()?;
            let path = f.nth(3)?;
            if !path.starts_with('/') || perms.as_bytes().get(1) != Some(&b'-') {
                return None;
            }
            let (a, b) = range.split_once('-')?;
            Some(Mapping {
                start: usize::from_str_radix(a, 16).ok()?,
                end: usize::from_str_radix(b, 16).ok()?,
                exec: perms.starts_with("r-xp"),
            })
        })
        .collect()
}

/// Returns free heap memory to the system (glibc's `malloc_trim`, which also releases free
/// pages inside the heap), e.g. after a burst of transitions.
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
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    for m in clean_file_mappings(&maps) {
        let (addr, len) = (m.start as *mut libc::c_void, m.end - m.start);
        // SAFETY: MADV_PAGEOUT is advisory and keeps written pages; pages only we map (our own
        // executable) leave memory and are read again on use. Then an executable private file
        // mapping is never written (no text relocations in a PIE), so MADV_DONTNEED loses
        // nothing on the shared ones either: the next access maps the same file contents.
        unsafe {
            // No readahead when paged-out code faults back in: with the file's pages absent
            // from the page cache, fault-around then maps only what the loop really runs.
            libc::madvise(addr, len, libc::MADV_RANDOM);
            libc::madvise(addr, len, libc::MADV_PAGEOUT);
            if m.exec {
                libc::madvise(addr, len, libc::MADV_DONTNEED);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_read_only_file_mappings_are_chosen() {
        let maps = "\
557f9083b000-557f90939000 r--p 00000000 fe:00 5784044   /usr/sbin/keepalived
557f90939000-557f90c4a000 r-xp 000fd000 fe:00 5784044   /usr/sbin/keepalived
557f90c6d000-557f90c70000 rw-p 0042f000 fe:00 5784044   /usr/sbin/keepalived
557f97730000-557f977ba000 rw-p 00000000 00:00 0         [heap]
7fc8c6251000-7fc8c6253000 rw-p 00000000 00:00 0
7ffe987df000-7ffe98800000 rw-p 00000000 00:00 0         [stack]
7fff1000000-7fff1002000 r-xp 00000000 00:00 0           [vdso]
";
        assert_eq!(
            clean_file_mappings(maps),
            [
                Mapping {
                    start: 0x557f9083b000,
                    end: 0x557f90939000,
                    exec: false
                },
                Mapping {
                    start: 0x557f90939000,
                    end: 0x557f90c4a000,
                    exec: true
                },
            ]
        );
    }

    #[test]
    fn trimming_keeps_the_process_working() {
        trim_after_startup();
        // Code and read-only data paged out come back on use.
        let v: Vec<String> = (0..100).map(|i| format!("{i}")).collect();
        assert_eq!(v.join(",").len(), 289);
    }
}
