package claimdesk

import "reflect"

// Services are the services claimdesk's front ends use, one of each. Package store builds them on
// a database (store.NewServices); package http serves them.
type Services struct {
	Reports   ReportService
	Incidents IncidentService
	Review    ReviewService
	Users     UserService
	Sessions  SessionService
	APITokens TokenService
	Imports   ImportService
	Stats     StatsService
	Policies  PolicyService
	Payouts   PayoutService
	Notices   NoticeService
}

// Unset names the services left nil, so that a front end can refuse to start without them
// rather than fail on the first request that needs one.
func (s Services) Unset() []string {
	var unset []string
	v := reflect.ValueOf(s)
	for i := range v.NumField() {
		if v.Field(i).IsNil() {
			unset = append(unset, v.Type().Field(i).Name)
		}
	}
	return unset
}
