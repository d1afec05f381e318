//! "Did you mean" hints for unknown keywords: the closest keyword of the same block by
//! optimal-string-alignment distance, deprecated spellings, and keywords that belong elsewhere.

/// Optimal string alignment distance (Levenshtein plus adjacent transposition).
pub fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// Keywords operators commonly write that keepalived knows under another name in some blocks.
const ALIASES: &[(&str, &str)] = &[
    ("nb_get_retry", "retry"),
    ("nb_sock_retry", "retry"),
    ("lvs_sync_daemon_interface", "lvs_sync_daemon"),
];

/// The best match for `word` among `names`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let names: Vec<&'a str> = names.collect();
    if let Some((_, to)) = ALIASES.iter().find(|(from, _)| *from == word) {
        if let Some(n) = names.iter().find(|n| *n == to) {
            return Some(n);
        }
    }
    let len = word.chars().count();
    if len < 3 {
        return None;
    }
    // Allow one edit per four characters, at most three.
    let limit = (len / 4).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    for n in names {
        // The distance is at least the difference in length.
        if n.chars().count().abs_diff(len) > limit {
            continue;
        }
        let d = osa_distance(word, n);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, n));
        }
    }
    best.map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_from_operator_configs() {
        let vrrp = ["preempt_delay", "priority", "nopreempt", "preempt"];
        assert_eq!(did_you_mean("preemtp_delay", vrrp.into_iter()), Some("preempt_delay"));
        let auth = ["auth_type", "auth_pass"];
        assert_eq!(did_you_mean("autp_pass", auth.into_iter()), Some("auth_pass"));
        let inst = ["lvs_sync_daemon_interface", "interface"];
        assert_eq!(
            did_you_mean("lvs_sync_daemon_inteface", inst.into_iter()),
            Some("lvs_sync_daemon_interface")
        );
        let tcp = ["retry", "connect_timeout", "delay_before_retry"];
        assert_eq!(did_you_mean("nb_get_retry", tcp.into_iter()), Some("retry"));
    }

    #[test]
    fn unrelated_words_get_no_suggestion() {
        let vrrp = ["preempt_delay", "priority", "state"];
        assert_eq!(did_you_mean("192.168.1.1/24", vrrp.into_iter()), None);
        assert_eq!(did_you_mean("xy", vrrp.into_iter()), None);
    }

    #[test]
    fn distance() {
        assert_eq!(osa_distance("abc", "acb"), 1);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
        assert_eq!(osa_distance("", "ab"), 2);
    }
}
