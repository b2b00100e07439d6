package claimdesk_test

import (
	"testing"

	"github.com/claimdesk/claimdesk"
)

func TestSimilarNames(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"행복떡집", "행복떡집", true},
		{"행복떡집", "행복 떡집", true},
		{"행복떡집", "(주)행복떡집", true},
		{"행복떡집", "㈜ 행복떡집", true},
		{"행복떡집", "행복떡집 수원점", true},
		{"Happy Bakery", "happy-bakery", true},
		{"라마바택시", "라마바 택시", true},
		{"서울분식", "서울 분식집", true},
		{"행복떡집", "가나다식당", false},
		{"행복떡집", "행복꽃집", false},
		{"김밥천국", "김밥나라", false},
		{"", "행복떡집", false},
		{"(주)", "주식회사", false},
	}
	for _, tt := range tests {
		if got := claimdesk.SimilarNames(tt.a, tt.b); got != tt.want {
			t.Errorf("SimilarNames(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
