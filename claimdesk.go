// Package claimdesk is the vocabulary of a damage-reporting and compensation center for platform
// outages: incidents and the services they took down, the damage reports merchants file, and the
// rules those reports must satisfy. It holds no I/O; the sqlite and http packages implement and
// serve the interfaces declared here, and cmd/claimdesk wires them together.
package claimdesk

import "time"

// KST is Korea Standard Time (UTC+9, no daylight saving). Outage windows, damage dates and the
// days of intake are all reckoned in KST, whatever the server's own time zone.
var KST = time.FixedZone("KST", 9*60*60)
