"""Mail in (邮件受理): IMAP mailboxes polled into tickets and correspondence."""
