//! Synthetic configurations for benchmarks: `vrrp` VRRP instances and `vs` virtual servers with
//! `rs` real servers each, in the shape operators write (health checks, VIPs, tracking).

use std::fmt::Write;

/// Generates the benchmark configuration (issue target: 255 instances, 1,000 × 10 servers,
/// about 100,000 lines).
pub fn large_config(vrrp: u32, vs: u32, rs: u32) -> String {
    let mut s = String::with_capacity(4 << 20);
    s.push_str("global_defs {\n    router_id BENCH\n    enable_script_security\n    script_user root\n}\n\n");
    s.push_str("vrrp_script chk_true {\n    script \"/bin/true\"\n    interval 2\n    weight -10\n}\n\n");
    for i in 0..vrrp {
        let _ = write!(
            s,
            "vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth{}\n    virtual_router_id {}\n    priority {}\n    advert_int 1\n    authentication {{\n        auth_type PASS\n        auth_pass pw{i}\n    }}\n    track_script {{\n        chk_true\n    }}\n    virtual_ipaddress {{\n        10.{}.{}.1/24 dev eth{} label eth{}:{}\n        10.{}.{}.2/24\n    }}\n}}\n\n",
            i % 4,
            i % 255 + 1,
            100 + i % 100,
            100 + i / 250,
            i % 250,
            i % 4,
            i % 4,
            i % 1000,
            100 + i / 250,
            i % 250,
        );
    }
    for v in 0..vs {
        let _ = write!(
            s,
            "virtual_server 172.{}.{}.{} 80 {{\n    delay_loop 6\n    lb_algo wrr\n    lb_kind NAT\n    persistence_timeout 50\n    protocol TCP\n\n",
            16 + v / 65536 % 16,
            v / 256 % 256,
            v % 256
        );
        for r in 0..rs {
            let ip = format!("192.{}.{}.{}", 168 + (v / 256) % 8, v % 256, r + 1);
            if r % 2 == 0 {
                let _ = write!(
                    s,
                    "    real_server {ip} 8080 {{\n        weight {}\n        TCP_CHECK {{\n            connect_timeout 3\n            retry 3\n            delay_before_retry 3\n        }}\n    }}\n",
                    r % 5 + 1
                );
            } else {
                let _ = write!(
                    s,
                    "    real_server {ip} 8080 {{\n        weight {}\n        inhibit_on_failure\n        HTTP_GET {{\n            url {{\n                path /health\n                status_code 200\n            }}\n            connect_timeout 3\n            retry 3\n            delay_before_retry 3\n        }}\n    }}\n",
                    r % 5 + 1
                );
            }
        }
        s.push_str("}\n\n");
    }
    s
}
