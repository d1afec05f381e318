//! Readers of keepalived's dump files as the Prometheus exporters read them, and the shape
//! comparisons the dump tests make.
//!
//! The exporters' parsing rules are re-implemented here from their behaviour (reference only):
//! mehdy/keepalived-exporter `internal/collector/parser.go` (`ParseVRRPData`,
//! `ParseVRRPScript`, `ParseStats`, `ParseVIP`, `ParseJSON` into its `VRRPData`/`VRRPStats`
//! types) and gen2brain/keepalived_exporter `collector/collector.go` (JSON into its `KA` type).
//! Go's `encoding/json` refuses a non-integer number for an `int` field, as serde does for
//! `i64` here.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// What mehdy's `ParseVRRPData` keeps of one instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataInstance {
    /// `State` as 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.
    pub state: i64,
    /// `Wantstate`, same numbering.
    pub wantstate: i64,
    /// `Interface`.
    pub intf: String,
    /// `Gratuitous ARP delay`, an integer.
    pub garp_delay: i64,
    /// `Virtual Router ID`.
    pub vrid: i64,
    /// The lines under `Virtual IP (N):`.
    pub vips: Vec<String>,
    /// The lines under `Virtual IP Excluded :`.
    pub excluded: Vec<String>,
}

fn state_number(s: &str) -> Result<i64, String> {
    ["INIT", "BACKUP", "MASTER", "FAULT"]
        .iter()
        .position(|x| *x == s)
        .map(|p| p as i64)
        .ok_or_else(|| format!("unknown state found: {s}"))
}

fn atoi(s: &str) -> Result<i64, String> {
    s.parse().map_err(|_| format!("not an integer: {s:?}"))
}

/// Go's `strings.Split(s, sep)[i]` (empty when missing, where Go would panic).
fn split_at(s: &str, sep: char, i: usize) -> String {
    s.split(sep).nth(i).unwrap_or("").trim().to_string()
}

/// mehdy's `ParseVRRPData`: instances of `keepalived.data` by name, or its error.
pub fn mehdy_parse_data(text: &str) -> Result<BTreeMap<String, DataInstance>, String> {
    let mut data: BTreeMap<String, DataInstance> = BTreeMap::new();
    let (mut instance, mut key) = (String::new(), String::new());
    for l in text.lines() {
        if l.starts_with(" VRRP Instance") && l.contains('=') {
            instance = split_at(l.trim(), '=', 1);
            data.insert(instance.clone(), DataInstance::default());
        } else if l.starts_with("   ") && !instance.is_empty() {
            let val;
            if l.starts_with("     ") {
                val = l.trim().to_string();
            } else {
                let sep = if l.contains('=') {
                    '='
                } else if l.contains(':') {
                    ':'
                } else {
                    continue;
                };
                key = split_at(l.trim(), sep, 0);
                if key == "Virtual IP" {
                    continue;
                }
                val = split_at(l.trim(), sep, 1);
            }
            let d = data.get_mut(&instance).expect("instance");
            if (key.starts_with("Virtual IP (") || key == "Virtual IP") && !val.is_empty() {
                d.vips.push(val.clone());
            }
            if key.starts_with("Virtual IP Excluded") && !val.is_empty() {
                d.excluded.push(val.clone());
            }
            match key.as_str() {
                "State" => d.state = state_number(&val)?,
                "Wantstate" => d.wantstate = state_number(&val)?,
                "Interface" | "Listening device" => d.intf = val,
                "Gratuitous ARP delay" => d.garp_delay = atoi(&val)?,
                "Virtual Router ID" => d.vrid = atoi(&val)?,
                _ => {}
            }
        } else if l.starts_with(" VRRP Version") || l.starts_with(" VRRP Script") {
            continue;
        } else {
            instance.clear();
        }
    }
    Ok(data)
}

/// mehdy's `ParseVRRPScript`: (name, Status, State) of each script of `keepalived.data`.
pub fn mehdy_parse_scripts(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String, String)> = None;
    for l in text.lines() {
        if l.starts_with(" VRRP Script") && l.contains('=') {
            out.extend(cur.take());
            cur = Some((split_at(l.trim(), '=', 1), String::new(), String::new()));
        } else if l.starts_with("   ") && cur.is_some() {
            if !l.contains('=') {
                continue;
            }
            let (key, val) = (split_at(l.trim(), '=', 0), split_at(l.trim(), '=', 1));
            let c = cur.as_mut().expect("script");
            match key.as_str() {
                "Status" => c.1 = val,
                "State" => c.2 = val,
                _ => {}
            }
        } else if !l.starts_with("    ") {
            out.extend(cur.take());
        }
    }
    out.extend(cur);
    out
}

/// The counter names of mehdy's `VRRPStats` (keepalived's JSON names).
pub const STATS_NAMES: [&str; 14] = [
    "advert_rcvd",
    "advert_sent",
    "become_master",
    "release_master",
    "packet_len_err",
    "advert_interval_err",
    "ip_ttl_err",
    "invalid_type_rcvd",
    "addr_list_err",
    "invalid_authtype",
    "authtype_mismatch",
    "auth_failure",
    "pri_zero_rcvd",
    "pri_zero_sent",
];

/// mehdy's `ParseStats`: counters of `keepalived.stats` by instance, or its error. Only the
/// counters the file gave are present.
pub fn mehdy_parse_stats(text: &str) -> Result<BTreeMap<String, BTreeMap<&'static str, i64>>, String> {
    let mut stats: BTreeMap<String, BTreeMap<&'static str, i64>> = BTreeMap::new();
    let (mut instance, mut section) = (String::new(), String::new());
    for l in text.lines() {
        if l.starts_with("VRRP Instance") && l.contains(':') {
            instance = split_at(l.trim(), ':', 1);
            stats.insert(instance.clone(), BTreeMap::new());
        } else if l.starts_with("  ") && l.ends_with(':') {
            section = split_at(l.trim(), ':', 0);
        } else if l.starts_with("    ") && !section.is_empty() {
            let (key, val) = (split_at(l.trim(), ':', 0), split_at(l.trim(), ':', 1));
            let v = atoi(&val)?;
            let name = match (section.as_str(), key.as_str()) {
                ("Advertisements", "Received") => "advert_rcvd",
                ("Advertisements", "Sent") => "advert_sent",
                ("Packet Errors", "Length") => "packet_len_err",
                ("Packet Errors", "TTL") => "ip_ttl_err",
                ("Packet Errors", "Invalid Type") => "invalid_type_rcvd",
                ("Packet Errors", "Advertisement Interval") => "advert_interval_err",
                ("Packet Errors", "Address List") => "addr_list_err",
                ("Authentication Errors", "Invalid Type") => "invalid_authtype",
                ("Authentication Errors", "Type Mismatch") => "authtype_mismatch",
                ("Authentication Errors", "Failure") => "auth_failure",
                ("Priority Zero", "Received") => "pri_zero_rcvd",
                ("Priority Zero", "Sent") => "pri_zero_sent",
                _ => continue,
            };
            stats
                .get_mut(&instance)
                .ok_or("counter before instance")?
                .insert(name, v);
        } else if l.starts_with("  ") && !l.ends_with(':') && !l.starts_with("    ") {
            let (key, val) = (split_at(l.trim(), ':', 0), split_at(l.trim(), ':', 1));
            section.clear();
            let v = atoi(&val)?;
            let name = match key.as_str() {
                "Became master" => "become_master",
                "Released master" => "release_master",
                _ => continue,
            };
            stats
                .get_mut(&instance)
                .ok_or("counter before instance")?
                .insert(name, v);
        }
    }
    Ok(stats)
}

/// mehdy's `ParseVIP`: address and interface of a VIP line ("ADDR dev IF ...").
pub fn mehdy_parse_vip(vip: &str) -> Option<(String, String)> {
    let args: Vec<&str> = vip.split(' ').collect();
    (args.len() >= 3).then(|| (args[0].to_string(), args[2].to_string()))
}

/// mehdy's JSON `VRRPData`.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct MehdyData {
    /// iname.
    pub iname: String,
    /// state.
    pub state: i64,
    /// wantstate.
    pub wantstate: i64,
    /// ifp_ifname.
    #[serde(default)]
    pub ifp_ifname: String,
    /// garp_delay (a Go int).
    pub garp_delay: i64,
    /// vrid.
    pub vrid: i64,
    /// vips.
    #[serde(default)]
    pub vips: Vec<String>,
    /// evips.
    #[serde(default)]
    pub evips: Vec<String>,
}

/// gen2brain's JSON `Data`.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Gen2brainData {
    /// iname.
    pub iname: String,
    /// ifp_ifname.
    #[serde(default)]
    pub ifp_ifname: String,
    /// last_transition (a Go float64).
    pub last_transition: f64,
    /// vrid.
    pub vrid: i64,
    /// state.
    pub state: i64,
    /// wantstate.
    pub wantstate: i64,
}

/// One element of keepalived.json as an exporter decodes it (both exporters' `stats` are
/// the same 14 Go ints).
#[derive(Debug, Deserialize)]
pub struct Element<D> {
    /// The data object.
    pub data: D,
    /// The stats object.
    pub stats: BTreeMap<String, i64>,
}

/// Decodes keepalived.json as both exporters do; the mehdy form (the richer one) on success.
pub fn exporters_parse_json(text: &str) -> Result<Vec<Element<MehdyData>>, String> {
    let m: Vec<Element<MehdyData>> = serde_json::from_str(text).map_err(|e| format!("mehdy: {e}"))?;
    let g: Vec<Element<Gen2brainData>> = serde_json::from_str(text).map_err(|e| format!("gen2brain: {e}"))?;
    for e in m.iter().map(|e| &e.stats).chain(g.iter().map(|e| &e.stats)) {
        for n in STATS_NAMES {
            if !e.contains_key(n) {
                return Err(format!("stats without {n}"));
            }
        }
    }
    Ok(m)
}

/// Replaces each run of digits by `#`.
pub fn digits(s: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_num {
                out.push('#');
            }
            in_num = true;
        } else {
            out.push(c);
            in_num = false;
        }
    }
    out
}

/// The line "keys" of a `.data` file: for each line, `section | item | key`, where section is
/// the last `------< X >------` heading, item the last one-space-indented line, and key the
/// text before ` = ` (or the whole line), digits replaced by `#`. MAC, address and
/// time values are thereby out of the comparison, the labels and layout are in.
pub fn data_keys(text: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let (mut section, mut item) = (String::new(), String::new());
    for l in text.lines() {
        let key = digits(l.split(" = ").next().unwrap_or(l));
        if l.starts_with("------<") {
            section = l.to_string();
            item.clear();
            keys.insert(section.clone());
            continue;
        }
        if l.starts_with(' ') && !l.starts_with("  ") {
            item = key.clone();
        }
        keys.insert(format!("{section} | {item} | {key}"));
    }
    keys
}

/// A JSON value with its objects' keys in file order (serde_json's own `Value` sorts them).
#[derive(Clone, Debug, PartialEq)]
pub enum Ordered {
    /// An integer (no fraction or exponent in the text).
    Integer(i128),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    Str(String),
    /// true/false.
    Bool(bool),
    /// null.
    Null,
    /// An array.
    Array(Vec<Ordered>),
    /// An object, keys in order.
    Object(Vec<(String, Ordered)>),
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Integer(v.into()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Integer(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Ordered, E> {
                Ok(Ordered::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::Str(v.into()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Bool(v))
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Null)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Ordered::Array(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<String, Ordered>()? {
                    v.push((k, x));
                }
                Ok(Ordered::Object(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Ordered {
    /// The kind: integer, float, string, bool, null, array, object.
    pub fn kind(&self) -> &'static str {
        match self {
            Ordered::Integer(_) => "integer",
            Ordered::Float(_) => "float",
            Ordered::Str(_) => "string",
            Ordered::Bool(_) => "bool",
            Ordered::Null => "null",
            Ordered::Array(_) => "array",
            Ordered::Object(_) => "object",
        }
    }

    /// The member `k` of an object.
    pub fn get(&self, k: &str) -> Option<&Ordered> {
        match self {
            Ordered::Object(v) => v.iter().find(|(n, _)| n == k).map(|(_, x)| x),
            _ => None,
        }
    }
}

/// Per element of keepalived.json: its own keys, then `data`'s and `stats`' ordered
/// (key, kind) lists, each line "key: kind".
pub fn json_shape(text: &str) -> Vec<Vec<String>> {
    let v: Ordered = serde_json::from_str(text).expect("valid JSON");
    let Ordered::Array(elems) = v else {
        panic!("not an array: {text}")
    };
    let mut out = Vec::new();
    for e in &elems {
        let Ordered::Object(top) = e else {
            panic!("element not an object")
        };
        out.push(top.iter().map(|(k, x)| format!("{k}: {}", x.kind())).collect());
        for part in ["data", "stats"] {
            let Some(Ordered::Object(p)) = e.get(part) else {
                panic!("no {part} object")
            };
            out.push(p.iter().map(|(k, x)| format!("{k}: {}", x.kind())).collect());
        }
    }
    out
}
