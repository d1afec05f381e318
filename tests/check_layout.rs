//! keepalived's `-d` layout of the checker process, snapshot-tested (real keepalived cannot
//! produce it here: its checker child needs IPVS). The snapshots were checked by hand against
//! keepalived 2.2.7's `dump_check_data()`.

use keepalived_rs::config::{self, LoadOptions, system::RealSystem};

fn layout(text: &str) -> String {
    let opts = LoadOptions {
        config_test: true,
        config_id: Some("test".to_string()),
        ..LoadOptions::default()
    };
    let l = config::load_str(text, &opts, &RealSystem);
    let mut out = Vec::new();
    config::dump::check::layout(&l.config, &mut out);
    // Script paths are resolved on this host (merged /usr or not).
    out.join("\n").replace("/usr/bin/true", "/bin/true")
}

#[test]
fn topology_and_checkers() {
    let text = r#"
SSL {
    password secret
    ca /etc/ssl/ca.pem
}
virtual_server_group G {
    10.0.0.10 80
    10.0.0.20-25 80
    fwmark 7 inet
}
virtual_server group G {
    protocol TCP
    lb_algo sh
    sh-port
    lb_kind DR
    real_server 10.0.1.1 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 3
            bindto 10.0.0.1
            bind_if eth0
            fwmark 5
        }
    }
}
virtual_server 10.0.0.1 443 {
    protocol TCP
    lb_algo wrr
    ops
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    quorum 2
    hysteresis 1
    retry 4
    sorry_server 10.0.2.1 443
    sorry_server_inhibit
    virtualhost www.example.com
    real_server 10.0.1.2 443 {
        weight 3
        alpha
        lvs_method TUN type gue port 6080 csum
        uthreshold 100
        lthreshold 10
        notify_up "/nonexistent/up.sh arg"
        virtualhost rs.example.com
        HTTP_GET {
            http_protocol 1.1
            url {
                path /health
                digest 640205b7b0fc66c1ea91c463fac6334d
                status_code 200-299 503 599
                regex "ok"
                regex_options caseless
                regex_max_offset 100
                regex_stack 10 20
            }
        }
        SMTP_CHECK {
            helo_name mail.example.com
        }
        DNS_CHECK {
            type A
            name example
        }
        UDP_CHECK {
            payload 01 02
            require_reply 0x
        }
        PING_CHECK {
        }
        MISC_CHECK {
            misc_path "/bin/true arg"
            misc_timeout 5
            misc_dynamic
            user root
        }
    }
    real_server 10.0.1.3 443 {
        inhibit_on_failure
        lvs_method TUN type gre
        SSL_GET {
            url {
                path /
            }
        }
    }
}
"#;
    insta::assert_snapshot!(layout(text));
}

#[test]
fn fwmark_ipv6_and_unset_values() {
    let text = r#"
virtual_server fwmark 3 {
    lb_algo mh
    mh-fallback
    real_server 2001:db8::1 {
        lvs_method DR
        BFD_CHECK {
            name nosuch
        }
    }
}
virtual_server 2001:db8::100 80 {
    protocol UDP
    persistence_granularity 64
    real_server 2001:db8::2 80 {
        smtp_alert off
    }
}
"#;
    insta::assert_snapshot!(layout(text));
}
