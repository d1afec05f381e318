//! Attribute plumbing shared by every attribute set of the family: walking a buffer of
//! attributes (nests are emitted with `NLA_F_NESTED`, as libnl's `nla_nest_start` does), and the fixed-size value readers the kernel's `nla_policy` implies.

use netlink_packet_core::{DecodeError, NlaBuffer, NlasIterator};

/// Parses every attribute of `buf` with `one`; a truncated or overlong attribute is an error.
pub(crate) fn parse_all<T>(
    buf: &[u8],
    mut one: impl FnMut(&NlaBuffer<&[u8]>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    NlasIterator::new(buf).map(|nla| one(&nla?)).collect()
}

/// A 16-byte address field (`union nf_inet_addr`): the policy allows up to 16 bytes, shorter
/// values are zero-padded as `nla_memcpy` does.
pub(crate) fn parse_addr16(value: &[u8]) -> Result<[u8; 16], DecodeError> {
    if value.len() > 16 {
        return Err(DecodeError::invalid_ip_address(value.len()));
    }
    let mut out = [0u8; 16];
    out[..value.len()].copy_from_slice(value);
    Ok(out)
}

/// Exactly `N` bytes.
pub(crate) fn parse_array<const N: usize>(value: &[u8]) -> Result<[u8; N], DecodeError> {
    value
        .try_into()
        .map_err(|_| DecodeError::invalid_number(N, value.len()))
}

/// A `NLA_NUL_STRING`: the value up to its first NUL, which must be UTF-8.
pub(crate) fn parse_cstr(value: &[u8]) -> Result<String, DecodeError> {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    String::from_utf8(value[..end].to_vec()).map_err(DecodeError::from)
}

/// Writes `s` followed by its NUL terminator.
pub(crate) fn emit_cstr(buffer: &mut [u8], s: &str) {
    buffer[..s.len()].copy_from_slice(s.as_bytes());
    buffer[s.len()] = 0;
}
