// Package claimdesk is the vocabulary of a damage-reporting and compensation center for platform
// outages: incidents and the services they took down, the damage reports merchants file and the
// rules they must satisfy, their review, compensation policies, payout runs and the payment
// ledger. It holds no I/O: package store implements the services declared here on SQLite and on
// PostgreSQL, package http serves them, package sheet reads and writes spreadsheets, and
// cmd/claimdesk wires them together.
package claimdesk

import "time"

// KST is Korea Standard Time (UTC+9, no daylight saving). Outage windows, damage dates and the
// days of intake are all reckoned in KST, whatever the server's own time zone.
var KST = time.FixedZone("KST", 9*60*60)
