//! The dialect vectors: one realistic field per MTA form, the parts
//! mailtrail must read from it and the deviations it must report.
//!
//! Written for this crate from each MTA's documented or source format
//! (Postfix `smtpd_received_header`, Exim `received_header_text`, Sendmail
//! `HReceived`, qmail-smtpd, Exchange Online message headers, Gmail, Haraka,
//! OpenSMTPD, Courier, MDaemon, Domino, CommuniGate Pro, XMail, webmail),
//! with the documentation names and addresses of RFC 2606, RFC 5737 and
//! RFC 3849. Gmail's internal `2002:a05:...` hosts keep their real form.

/// One vector: the MTA, the value, the parts as `name=value`, and the
/// deviation kinds in input order.
pub(crate) struct Vector {
    pub(crate) dialect: &'static str,
    pub(crate) value: &'static str,
    pub(crate) parts: &'static [&'static str],
    pub(crate) deviations: &'static [&'static str],
}

pub(crate) const VECTORS: &[Vector] = &[
    Vector {
        dialect: "Postfix, TLS",
        value: "from mail.example.org (mail.example.org [198.51.100.24])\r\n\
            \t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\
            \t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n\
            \t(No client certificate requested)\r\n\
            \tby mx1.example.com (Postfix) with ESMTPS id 4TvB2k0QZxz9sWb\r\n\
            \tfor <ceo@example.com>; Tue, 12 Mar 2024 09:14:25 +0000 (UTC)",
        parts: &[
            "from_name=mail.example.org",
            "helo=mail.example.org",
            "reverse_dns=mail.example.org",
            "from_ip=198.51.100.24",
            "tls_version=TLSv1.3",
            "tls_cipher=TLS_AES_256_GCM_SHA384",
            "by=mx1.example.com",
            "by_software=Postfix",
            "with=ESMTPS",
            "id=4TvB2k0QZxz9sWb",
            "for=ceo@example.com",
            "date=2024-03-12T09:14:25Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Postfix, no TLS, no reverse DNS",
        value: "from helo.example.net (unknown [203.0.113.45])\r\n\
            \tby mx.example.com (Postfix) with ESMTP id 6296FC13AE3E\r\n\
            \tfor <user@example.com>; Mon, 28 Aug 2023 02:21:37 -0700 (PDT)",
        parts: &[
            "from_name=helo.example.net",
            "helo=helo.example.net",
            "from_ip=203.0.113.45",
            "by=mx.example.com",
            "by_software=Postfix",
            "with=ESMTP",
            "id=6296FC13AE3E",
            "for=user@example.com",
            "date=2023-08-28T09:21:37Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Postfix, IPv6 literal, SASL sender",
        value: "from [IPv6:2001:db8::25] (unknown [IPv6:2001:db8::25])\r\n\
            \t(Authenticated sender: alice@example.com)\r\n\
            \tby submit.example.com (Postfix) with ESMTPSA id 4Tv9Zx1kQ2z1xqN\r\n\
            \tfor <bob@example.net>; Tue, 12 Mar 2024 09:10:00 +0100 (CET)",
        parts: &[
            "from_name=[IPv6:2001:db8::25]",
            "helo=[IPv6:2001:db8::25]",
            "from_ip=2001:db8::25",
            "auth_user=alice@example.com",
            "by=submit.example.com",
            "by_software=Postfix",
            "with=ESMTPSA",
            "id=4Tv9Zx1kQ2z1xqN",
            "for=bob@example.net",
            "date=2024-03-12T08:10:00Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Postfix, local pickup",
        value: "by mail.example.com (Postfix, from userid 1000)\r\n\
            \tid 3F2A41C0123; Tue, 12 Mar 2024 09:00:00 +0000 (UTC)",
        parts: &[
            "local_user=1000",
            "by=mail.example.com",
            "by_software=Postfix, from userid 1000",
            "id=3F2A41C0123",
            "date=2024-03-12T09:00:00Z",
        ],
        deviations: &["missing-from-clause"],
    },
    Vector {
        dialect: "Exim 4.97, TLS, envelope sender",
        value: "from [192.0.2.77] (helo=relay.example.org)\r\n\
            \tby mail.example.org with esmtpsa  (TLS1.3) tls TLS_AES_256_GCM_SHA384\r\n\
            \t(Exim 4.97)\r\n\
            \t(envelope-from <notifications@example.org>)\r\n\
            \tid 1rk0aF-00Fx3C-2T\r\n\
            \tfor ceo@example.com; Tue, 12 Mar 2024 09:14:24 +0000",
        parts: &[
            "from_name=[192.0.2.77]",
            "helo=relay.example.org",
            "greeting=HELO",
            "from_ip=192.0.2.77",
            "by=mail.example.org",
            "with=ESMTPSA",
            "tls_version=TLSv1.3",
            "tls_cipher=TLS_AES_256_GCM_SHA384",
            "envelope_from=notifications@example.org",
            "id=1rk0aF-00Fx3C-2T",
            "for=ceo@example.com",
            "date=2024-03-12T09:14:24Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Exim 4, TLS triple, port",
        value: "from mail.example.net ([198.51.100.7]:49019 helo=smtp.example.net)\r\n\
            \tby mx.example.com with esmtps (TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)\r\n\
            \t(Exim 4.92)\r\n\
            \t(envelope-from <bounce@example.net>)\r\n\
            \tid 1fZ55o-0006DP-3H\r\n\
            \tfor user@example.com; Sat, 30 Jun 2018 02:54:28 +0100",
        parts: &[
            "from_name=mail.example.net",
            "helo=smtp.example.net",
            "greeting=HELO",
            "reverse_dns=mail.example.net",
            "from_ip=198.51.100.7",
            "from_port=49019",
            "by=mx.example.com",
            "with=ESMTPS",
            "tls_version=TLSv1.2",
            "tls_cipher=ECDHE_RSA_AES_256_GCM_SHA384",
            "envelope_from=bounce@example.net",
            "id=1fZ55o-0006DP-3H",
            "for=user@example.com",
            "date=2018-06-30T01:54:28Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Exim 3, cipher and ident",
        value: "from host.example.net ([192.0.2.88] helo=client.example.net ident=jdoe)\r\n\
            \tby mx.example.com with esmtp (Cipher TLSv1:DES-CBC3-SHA:168)\r\n\
            \t(Exim 3.35 #1 (Debian))\r\n\
            \tid 18lyuU-0007TI-00; Thu, 20 Feb 2003 14:11:18 -0800",
        parts: &[
            "from_name=host.example.net",
            "helo=client.example.net",
            "greeting=HELO",
            "reverse_dns=host.example.net",
            "from_ip=192.0.2.88",
            "ident=jdoe",
            "by=mx.example.com",
            "with=ESMTP",
            "tls_version=TLSv1.0",
            "tls_cipher=DES-CBC3-SHA",
            "id=18lyuU-0007TI-00",
            "date=2003-02-20T22:11:18Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Exim, local submission",
        value: "from www-data by web.example.com with local (Exim 4.96)\r\n\
            \t(envelope-from <www-data@web.example.com>)\r\n\
            \tid 1qAbCd-000123-Ef\r\n\
            \tfor user@example.org; Tue, 12 Mar 2024 09:00:00 +0000",
        parts: &[
            "from_name=www-data",
            "local_user=www-data",
            "by=web.example.com",
            "with=local",
            "envelope_from=www-data@web.example.com",
            "id=1qAbCd-000123-Ef",
            "for=user@example.org",
            "date=2024-03-12T09:00:00Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Sendmail, ident and TLS",
        value: "from client.example.net (jdoe@host.example.net [198.51.100.33])\r\n\
            \tby mail.example.com (8.15.2/8.15.2) with ESMTPS id 42C9EMxQ012345\r\n\
            \t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT)\r\n\
            \tfor <alice@example.com>; Tue, 12 Mar 2024 09:14:22 -0500",
        parts: &[
            "from_name=client.example.net",
            "helo=client.example.net",
            "reverse_dns=host.example.net",
            "from_ip=198.51.100.33",
            "ident=jdoe",
            "by=mail.example.com",
            "by_software=8.15.2/8.15.2",
            "with=ESMTPS",
            "tls_version=TLSv1.3",
            "tls_cipher=TLS_AES_256_GCM_SHA384",
            "id=42C9EMxQ012345",
            "for=alice@example.com",
            "date=2024-03-12T14:14:22Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Sendmail, authenticated, forged reverse DNS",
        value: "from laptop.example.net (dsl-9.example.net [203.0.113.9] (may be forged))\r\n\
            \t(authenticated bits=0)\r\n\
            \tby smtp.example.com (8.17.1/8.17.1) with ESMTPSA id 42CAbCdE001234\r\n\
            \tfor <team@example.com>; Tue, 12 Mar 2024 10:00:00 +0100",
        parts: &[
            "from_name=laptop.example.net",
            "helo=laptop.example.net",
            "reverse_dns=dsl-9.example.net",
            "from_ip=203.0.113.9",
            "authenticated=authenticated bits=0",
            "by=smtp.example.com",
            "by_software=8.17.1/8.17.1",
            "with=ESMTPSA",
            "id=42CAbCdE001234",
            "for=team@example.com",
            "date=2024-03-12T09:00:00Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "qmail, local injection",
        value: "(qmail 28712 invoked by uid 1004); 12 Mar 2024 09:14:21 -0000",
        parts: &["local_user=1004", "date=2024-03-12T09:14:21Z"],
        deviations: &["missing-from-clause", "missing-by-clause"],
    },
    Vector {
        dialect: "qmail, from the network",
        value: "from unknown (HELO client.example.net) (198.51.100.12)\r\n\
            \tby mail.example.com with SMTP; 12 Mar 2024 09:14:20 -0000",
        parts: &[
            "from_name=unknown",
            "helo=client.example.net",
            "greeting=HELO",
            "from_ip=198.51.100.12",
            "by=mail.example.com",
            "with=SMTP",
            "date=2024-03-12T09:14:20Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "qmail-smtpd-auth",
        value: "from out.example.net (HELO out.example.net) (alice@203.0.113.20 with plain)\r\n\
            \tby smtp.example.com with SMTP; 11 Mar 2024 21:03:28 -0000",
        parts: &[
            "from_name=out.example.net",
            "helo=out.example.net",
            "greeting=HELO",
            "reverse_dns=out.example.net",
            "from_ip=203.0.113.20",
            "auth_user=alice",
            "auth_mechanism=plain",
            "by=smtp.example.com",
            "with=SMTP",
            "date=2024-03-11T21:03:28Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Microsoft 365, frontend transport",
        value: " from mx1.gateway.example.com (203.0.113.40) by\r\n \
            AM6P193CA0101.mail.protection.example.com (2001:db8:209:88::36) with Microsoft\r\n \
            SMTP Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.7386.12\r\n \
            via Frontend Transport; Tue, 12 Mar 2024 09:14:26 +0000",
        parts: &[
            "from_name=mx1.gateway.example.com",
            "helo=mx1.gateway.example.com",
            "from_ip=203.0.113.40",
            "by=AM6P193CA0101.mail.protection.example.com",
            "by_ip=2001:db8:209:88::36",
            "with=SMTP",
            "with_text=Microsoft\r\n SMTP Server",
            "tls_version=TLSv1.3",
            "tls_cipher=TLS_AES_256_GCM_SHA384",
            "id=15.20.7386.12",
            "via=Frontend Transport",
            "date=2024-03-12T09:14:26Z",
        ],
        deviations: &["extra-words", "clause-out-of-order", "extra-words"],
    },
    Vector {
        dialect: "Microsoft 365, IPv6 next hop",
        value: " from AM6P193CA0101.EURP193.PROD.EXAMPLE.COM (2001:db8:209:88::36) by\r\n \
            AM0PR07MB4321.eurprd07.prod.example.com (2001:db8:20b:3a1::12) with\r\n \
            Microsoft SMTP Server (version=TLS1_2,\r\n \
            cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7362.35; Tue, 12 Mar\r\n \
            2024 09:14:26 +0000",
        parts: &[
            "from_name=AM6P193CA0101.EURP193.PROD.EXAMPLE.COM",
            "helo=AM6P193CA0101.EURP193.PROD.EXAMPLE.COM",
            "from_ip=2001:db8:209:88::36",
            "by=AM0PR07MB4321.eurprd07.prod.example.com",
            "by_ip=2001:db8:20b:3a1::12",
            "with=SMTP",
            "with_text=Microsoft SMTP Server",
            "tls_version=TLSv1.2",
            "tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "id=15.20.7362.35",
            "date=2024-03-12T09:14:26Z",
        ],
        deviations: &["extra-words"],
    },
    Vector {
        dialect: "Microsoft 365, mailbox over HTTPS",
        value: " from AM0PR07MB4321.eurprd07.prod.example.com (2001:db8:20b:3a1::12)\r\n \
            by DB9PR07MB8765.eurprd07.prod.example.com with HTTPS; Tue, 12 Mar 2024\r\n \
            09:14:27 +0000",
        parts: &[
            "from_name=AM0PR07MB4321.eurprd07.prod.example.com",
            "from_ip=2001:db8:20b:3a1::12",
            "by=DB9PR07MB8765.eurprd07.prod.example.com",
            "with=HTTPS",
            "date=2024-03-12T09:14:27Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Microsoft Exchange SMTPSVC",
        value: "from mail.example.net ([192.0.2.50] unverified) by exch01.example.com \
            with Microsoft SMTPSVC(6.0.3790.4675);\r\n\t Tue, 12 Mar 2024 09:00:00 +0100",
        parts: &[
            "from_name=mail.example.net",
            "helo=mail.example.net",
            "from_ip=192.0.2.50",
            "by=exch01.example.com",
            "with=SMTP",
            "with_text=Microsoft SMTPSVC",
            "date=2024-03-12T08:00:00Z",
        ],
        deviations: &["extra-words"],
    },
    Vector {
        dialect: "Gmail, internal hop",
        value: "by 2002:a05:6a10:e4c2:b0:5c1:2d5e:4b7f with SMTP id m15csp2345678pxv;\r\n        \
            Tue, 12 Mar 2024 02:14:23 -0700 (PDT)",
        parts: &[
            "by=2002:a05:6a10:e4c2:b0:5c1:2d5e:4b7f",
            "by_ip=2002:a05:6a10:e4c2:b0:5c1:2d5e:4b7f",
            "with=SMTP",
            "id=m15csp2345678pxv",
            "date=2024-03-12T09:14:23Z",
        ],
        deviations: &["missing-from-clause"],
    },
    Vector {
        dialect: "Gmail, inbound",
        value: "from mail-sor-f41.example.com (mail-sor-f41.example.com. [198.51.100.41])\r\n        \
            by mx.example.com with SMTPS id x5-20020a170902b08500b001dd5a8c2bc3sor1234567plr.2024.03.12\r\n        \
            for <user@example.com>\r\n        \
            (Google Transport Security);\r\n        \
            Tue, 12 Mar 2024 02:14:22 -0700 (PDT)",
        parts: &[
            "from_name=mail-sor-f41.example.com",
            "helo=mail-sor-f41.example.com",
            "reverse_dns=mail-sor-f41.example.com.",
            "from_ip=198.51.100.41",
            "by=mx.example.com",
            "with=SMTPS",
            "id=x5-20020a170902b08500b001dd5a8c2bc3sor1234567plr.2024.03.12",
            "for=user@example.com",
            "date=2024-03-12T09:14:22Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Gmail, submission with TLS",
        value: "from [192.0.2.5] ([198.51.100.77])\r\n        \
            by smtp.example.com with ESMTPSA id a1sm123456wrb.12.2024.03.12.02.14.20\r\n        \
            for <user@example.com>\r\n        \
            (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\r\n        \
            Tue, 12 Mar 2024 02:14:20 -0700 (PDT)",
        parts: &[
            "from_name=[192.0.2.5]",
            "helo=[192.0.2.5]",
            "from_ip=198.51.100.77",
            "by=smtp.example.com",
            "with=ESMTPSA",
            "id=a1sm123456wrb.12.2024.03.12.02.14.20",
            "for=user@example.com",
            "tls_version=TLSv1.3",
            "tls_cipher=TLS_AES_256_GCM_SHA384",
            "date=2024-03-12T09:14:20Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Haraka",
        value: "from client.example.net (client.example.net [198.51.100.61])\r\n\
            \tby mx.example.com (Haraka/3.0.3) with ESMTPSA id 349C9C2B-491A-4925-A687-3EF14038C344.1\r\n\
            \tenvelope-from <sender@example.net>\r\n\
            \ttls TLS_AES_256_GCM_SHA384\r\n\
            \t(authenticated bits=0);\r\n\
            \tTue, 12 Mar 2024 09:14:20 +0000",
        parts: &[
            "from_name=client.example.net",
            "helo=client.example.net",
            "reverse_dns=client.example.net",
            "from_ip=198.51.100.61",
            "by=mx.example.com",
            "by_software=Haraka/3.0.3",
            "with=ESMTPSA",
            "id=349C9C2B-491A-4925-A687-3EF14038C344.1",
            "envelope_from=sender@example.net",
            "tls_cipher=TLS_AES_256_GCM_SHA384",
            "authenticated=authenticated bits=0",
            "date=2024-03-12T09:14:20Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "OpenSMTPD, TLS",
        value: "from mail.example.org (mail.example.org [198.51.100.2])\r\n\
            \tby mx.example.com (OpenSMTPD) with ESMTPS id 5db34e0d\r\n\
            \t(TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO)\r\n\
            \tfor <alice@example.com>;\r\n\
            \tTue, 12 Mar 2024 09:14:19 +0000 (UTC)",
        parts: &[
            "from_name=mail.example.org",
            "helo=mail.example.org",
            "reverse_dns=mail.example.org",
            "from_ip=198.51.100.2",
            "by=mx.example.com",
            "by_software=OpenSMTPD",
            "with=ESMTPS",
            "id=5db34e0d",
            "tls_version=TLSv1.3",
            "tls_cipher=TLS_AES_256_GCM_SHA384",
            "for=alice@example.com",
            "date=2024-03-12T09:14:19Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "OpenSMTPD, local submission",
        value: "from localhost (mail.example.com [local])\r\n\
            \tby mail.example.com (OpenSMTPD) with ESMTPA id 5db34e0d\r\n\
            \tfor <bob@example.com>; Tue, 7 Apr 2020 01:38:29 -0600 (MDT)",
        parts: &[
            "from_name=localhost",
            "helo=localhost",
            "reverse_dns=mail.example.com",
            "by=mail.example.com",
            "by_software=OpenSMTPD",
            "with=ESMTPA",
            "id=5db34e0d",
            "for=bob@example.com",
            "date=2020-04-07T07:38:29Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "Courier, AUTH and TLS, id after the date",
        value: "from client.example.net (client.example.net [::ffff:198.51.100.8])\r\n  \
            (AUTH: LOGIN alice, TLS: TLSv1.3,256bits,TLS_AES_256_GCM_SHA384)\r\n  \
            by mail.example.com with ESMTPSA; Tue, 12 Mar 2024 09:14:18 +0000\r\n  \
            id 000000000005DC0D.0000000064EC6711.00003756",
        parts: &[
            "from_name=client.example.net",
            "helo=client.example.net",
            "reverse_dns=client.example.net",
            "from_ip=::ffff:198.51.100.8",
            "auth_user=alice",
            "auth_mechanism=LOGIN",
            "tls_version=TLSv1.3",
            "tls_cipher=TLS_AES_256_GCM_SHA384",
            "by=mail.example.com",
            "with=ESMTPSA",
            "id=000000000005DC0D.0000000064EC6711.00003756",
            "date=2024-03-12T09:14:18Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "MDaemon 5, address literals after the hosts",
        value: "from client.example.net [198.51.100.14] by mail.example.com [192.0.2.14] \
            with SMTP (MDaemon.PRO.v5.0.6.R)\r\n\tfor <alice@example.com>; Fri, 21 Feb 2003 09:32:27 +1000",
        parts: &[
            "from_name=client.example.net",
            "helo=client.example.net",
            "from_ip=198.51.100.14",
            "by=mail.example.com",
            "by_ip=192.0.2.14",
            "with=SMTP",
            "for=alice@example.com",
            "date=2003-02-20T23:32:27Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "MDaemon 19",
        value: "from smtp.example.net [(198.51.100.21)] by mail.example.com (192.0.2.24) \
            (MDaemon PRO v19.0.2)  with ESMTP id md50018233933.msg; Tue, 16 Jul 2019 11:39:22 +0200",
        parts: &[
            "from_name=smtp.example.net",
            "helo=smtp.example.net",
            "from_ip=198.51.100.21",
            "by=mail.example.com",
            "by_ip=192.0.2.24",
            "by_software=MDaemon PRO v19.0.2",
            "with=ESMTP",
            "id=md50018233933.msg",
            "date=2019-07-16T09:39:22Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "IBM Domino, SMTP",
        value: "from mail.example.net ([192.0.2.40]) by notes.example.com \
            (Lotus Domino Release 8.5.3FP6) with ESMTP id 2024031209142100-12345 ;\r\n \
            Tue, 12 Mar 2024 09:14:21 +0100",
        parts: &[
            "from_name=mail.example.net",
            "helo=mail.example.net",
            "from_ip=192.0.2.40",
            "by=notes.example.com",
            "by_software=Lotus Domino Release 8.5.3FP6",
            "with=ESMTP",
            "id=2024031209142100-12345",
            "date=2024-03-12T08:14:21Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "IBM Domino, router",
        value: "by HUB01/Example(Release 9.0.1FP10|January 24, 2018) id C12583A1.0033F2B1 ;\r\n \
            Tue, 12 Mar 2024 10:26:31 +0100",
        parts: &[
            "by=HUB01/Example",
            "by_software=Release 9.0.1FP10|January 24, 2018",
            "id=C12583A1.0033F2B1",
            "date=2024-03-12T09:26:31Z",
        ],
        deviations: &["missing-from-clause"],
    },
    Vector {
        dialect: "webmail, HTTP",
        value: "from [203.0.113.50] by webmail.example.com with HTTP (HTTP/1.1 POST);\r\n \
            Tue, 12 Mar 2024 09:00:00 +0000",
        parts: &[
            "from_name=[203.0.113.50]",
            "from_ip=203.0.113.50",
            "by=webmail.example.com",
            "with=HTTP",
            "date=2024-03-12T09:00:00Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "webmail, SquirrelMail",
        value: "from 198.51.100.3 (SquirrelMail authenticated user alice)\r\n        \
            by mail.example.com with HTTP;\r\n        Sat, 3 Apr 2004 10:33:43 -0500 (EST)",
        parts: &[
            "from_name=198.51.100.3",
            "from_ip=198.51.100.3",
            "auth_user=alice",
            "by=mail.example.com",
            "with=HTTP",
            "date=2004-04-03T15:33:43Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "webmail, via HTTP",
        value: "from [192.0.2.200] by web.example.com via HTTP; Wed, 09 Mar 2011 11:19:45 GMT",
        parts: &[
            "from_name=[192.0.2.200]",
            "from_ip=192.0.2.200",
            "by=web.example.com",
            "via=HTTP",
            "date=2011-03-09T11:19:45Z",
        ],
        deviations: &["obsolete-zone"],
    },
    Vector {
        dialect: "CommuniGate Pro, account",
        value: "from [192.0.2.104] (account alice@example.com HELO laptop.example.com)\r\n  \
            by mail.example.com (CommuniGate Pro SMTP 6.3.3)\r\n  \
            with ESMTPSA id 2088434 for bob@example.org; Fri, 07 Mar 2003 13:05:06 -0500",
        parts: &[
            "from_name=[192.0.2.104]",
            "helo=laptop.example.com",
            "greeting=HELO",
            "from_ip=192.0.2.104",
            "auth_user=alice@example.com",
            "by=mail.example.com",
            "by_software=CommuniGate Pro SMTP 6.3.3",
            "with=ESMTPSA",
            "id=2088434",
            "for=bob@example.org",
            "date=2003-03-07T18:05:06Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "XMail, envelope sender as a second from",
        value: "from list.example.net (198.51.100.86:23198) by mx1.example.com \
            with [XMail 1.27 ESMTP Server] id <S72E> for <jason@example.com> \
            from <bounce@example.net>; Sat, 18 Sep 2004 23:17:54 -0500",
        parts: &[
            "from_name=list.example.net",
            "helo=list.example.net",
            "from_ip=198.51.100.86",
            "from_port=23198",
            "by=mx1.example.com",
            "with=ESMTP",
            "with_text=[XMail 1.27 ESMTP Server]",
            "id=S72E",
            "for=jason@example.com",
            "envelope_from=bounce@example.net",
            "date=2004-09-19T04:17:54Z",
        ],
        deviations: &["repeated-clause"],
    },
    Vector {
        dialect: "anti-virus gateway, from clause in a comment",
        value: "(from localhost [192.0.2.240]) by gw.example.com (NAVGW 2.5.2.12) with SMTP \
            id M2006060503484615455 for <user@example.com>; Mon, 05 Jun 2006 03:48:47 +0100",
        parts: &[
            "from_name=localhost",
            "helo=localhost",
            "from_ip=192.0.2.240",
            "by=gw.example.com",
            "by_software=NAVGW 2.5.2.12",
            "with=SMTP",
            "id=M2006060503484615455",
            "for=user@example.com",
            "date=2006-06-05T02:48:47Z",
        ],
        deviations: &["from-clause-in-comment"],
    },
    Vector {
        dialect: "IPv4-mapped IPv6 with the IPv6 tag",
        value: "from client.example.net (client.example.net [IPv6:::ffff:192.0.2.9])\r\n\
            \tby mx.example.com (Postfix) with ESMTP id 4Tv; 1 Mar 2024 10:00:00 +0000",
        parts: &[
            "from_name=client.example.net",
            "helo=client.example.net",
            "reverse_dns=client.example.net",
            "from_ip=::ffff:192.0.2.9",
            "by=mx.example.com",
            "by_software=Postfix",
            "with=ESMTP",
            "id=4Tv",
            "date=2024-03-01T10:00:00Z",
        ],
        deviations: &[],
    },
    Vector {
        dialect: "MessageLabs, cipher in the with clause",
        value: "from mail.example.net (HELO mail.example.net) (192.0.2.61)\r\n  \
            by server-11.tower-21.example.com with AES256-GCM-SHA384 encrypted SMTP;\r\n  \
            13 Sep 2018 14:47:44 -0000",
        parts: &[
            "from_name=mail.example.net",
            "helo=mail.example.net",
            "greeting=HELO",
            "reverse_dns=mail.example.net",
            "from_ip=192.0.2.61",
            "by=server-11.tower-21.example.com",
            "with=SMTP",
            "with_text=AES256-GCM-SHA384 encrypted SMTP",
            "tls_cipher=AES256-GCM-SHA384",
            "date=2018-09-13T14:47:44Z",
        ],
        deviations: &["extra-words"],
    },
];
