package claimdesk_test

import (
	"context"
	"slices"
	"testing"

	"github.com/claimdesk/claimdesk"
)

func TestServicesUnset(t *testing.T) {
	var s claimdesk.Services
	if got := s.Unset(); len(got) != 11 || got[0] != "Reports" || got[10] != "Notices" {
		t.Errorf("Unset of no services = %v, want all eleven in order", got)
	}
	s.Stats = stubStats{}
	if got := s.Unset(); slices.Contains(got, "Stats") || len(got) != 10 {
		t.Errorf("Unset with Stats set = %v", got)
	}
}

// stubStats stands for any StatsService: Unset looks only at whether one is there.
type stubStats struct{}

func (stubStats) IncidentStats(context.Context, string, claimdesk.StatsQuery) (*claimdesk.Stats, error) {
	return nil, nil
}
