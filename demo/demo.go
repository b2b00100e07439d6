// Package demo makes synthetic damage reports that look like a real intake — the shares of
// services, industries and regions the federation published in 2022, plausible losses, and
// submissions spread over the days of the intake — for demonstrations, screenshots and
// benchmarks. Nothing here is real; stored demo reports are marked as such.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/claimdesk/claimdesk"
)

// Generator makes reports for one incident, deterministically from its seed.
type Generator struct {
	inc   *claimdesk.Incident
	rng   *rand.Rand
	n     int
	start time.Time // first day of intake
	days  int       // days of intake
}

// New returns a generator for inc. The intake runs from the day after the outage started for
// 19 days, as Kakao's did in 2022.
func New(inc *claimdesk.Incident, seed uint64) *Generator {
	start := claimdesk.DateOf(inc.StartedAt).Start().AddDate(0, 0, 1)
	return &Generator{inc: inc, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), start: start, days: 19}
}

// serviceShares are the shares of reports naming each Kakao service: the federation's figures
// for the five it published (reports name several), guesses for the others.
var serviceShares = map[string]float64{
	"talk-channel": 0.496, "kakao-pay": 0.3793, "login": 0.2513, "alimtalk": 0.2404, "kakao-t": 0.1941,
	"kakaotalk": 0.15, "talk-order": 0.10, "kakao-map": 0.09, "gift": 0.08, "kakao-ads": 0.05, "melon": 0.02,
}

// industryShares are the federation's published shares by industry.
var industryShares = []weighted{{"food", 0.2692}, {"services", 0.2078}, {"transport", 0.2017}, {"retail", 0.1871}, {"other", 0.1339}}

// regionShares follow the population of the provinces, roughly.
var regionShares = []weighted{
	{"41", 0.262}, {"11", 0.183}, {"26", 0.064}, {"28", 0.058}, {"48", 0.063}, {"27", 0.046}, {"47", 0.050},
	{"44", 0.041}, {"46", 0.035}, {"52", 0.034}, {"43", 0.031}, {"30", 0.028}, {"29", 0.028}, {"51", 0.030},
	{"31", 0.021}, {"50", 0.013}, {"36", 0.007},
}

type weighted struct {
	code string
	w    float64
}

func (g *Generator) pick(ws []weighted) string {
	total := 0.0
	for _, w := range ws {
		total += w.w
	}
	x := g.rng.Float64() * total
	for _, w := range ws {
		if x -= w.w; x < 0 {
			return w.code
		}
	}
	return ws[len(ws)-1].code
}

var (
	places = []string{"행복", "한빛", "새봄", "달빛", "우리", "으뜸", "푸른", "소망", "대박", "정든", "하나", "미소", "온누리", "늘봄", "참좋은"}
	kinds  = map[string][]string{
		"food":      {"떡집", "분식", "치킨", "반찬가게", "카페", "국밥", "베이커리", "족발", "김밥"},
		"services":  {"미용실", "네일샵", "세탁소", "꽃집", "사진관", "공방", "필라테스"},
		"transport": {"택시", "대리운전", "퀵서비스", "화물", "용달"},
		"retail":    {"상회", "마트", "문구", "철물점", "과일가게", "옷가게"},
		"other":     {"스튜디오", "학원", "출판사", "인쇄소"},
	}
	surnames = []string{"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신"}
	given    = []string{"민지", "서준", "하은", "도윤", "지우", "예준", "수아", "시우", "지호", "유진", "현우", "영희", "철수", "미숙"}
)

// Report returns the next report: valid for its incident, distinct business, channel web, and
// the time it should count as received (within the intake, more in the first days).
func (g *Generator) Report() (*claimdesk.Report, time.Time) {
	g.n++
	r := &claimdesk.Report{Incident: g.inc.ID, Channel: claimdesk.ChannelWeb, Consent: true}
	r.Industry = g.pick(industryShares)
	r.Region = g.pick(regionShares)
	kind := kinds[r.Industry][g.rng.IntN(len(kinds[r.Industry]))]
	r.BusinessName = fmt.Sprintf("%s %s %d호점", places[g.rng.IntN(len(places))], kind, g.n%97+1)
	if r.Industry == "transport" && g.rng.IntN(3) == 0 {
		// Drivers often have no business number.
		r.NoBusinessNumberReason = "대리운전·택시 기사 (사업자등록 없음)"
	} else {
		r.BusinessNumber = claimdesk.MakeBusinessNumber(101000000 + g.rng.IntN(898999999))
	}
	r.Representative = surnames[g.rng.IntN(len(surnames))] + given[g.rng.IntN(len(given))]
	r.Phone = fmt.Sprintf("010-%04d-%04d", g.rng.IntN(10000), g.rng.IntN(10000))
	r.Services = g.services(r.Industry)
	r.DamageTypes = []string{"orders_lost"}
	if r.Industry == "transport" {
		r.DamageTypes = []string{"dispatch_failed"}
	}
	first, last := g.inc.DamagePeriod(time.Now())
	r.DamageStart = first
	// Most damage ends when the services came back: a day or two, sometimes the whole outage.
	end := first.Start().AddDate(0, 0, min(int(math.Abs(g.rng.NormFloat64())*1.5), 30))
	if d := claimdesk.DateOf(end); d.After(last) {
		r.DamageEnd = last
	} else {
		r.DamageEnd = d
	}
	sales := int64(math.Round(math.Exp(13.3+0.7*g.rng.NormFloat64())/1000) * 1000) // median ~600,000 won
	r.UsualDailySales = &sales
	// Claimed loss: lognormal, median ~500,000 won, a long tail; transport earns less a day.
	mu := 13.1
	if r.Industry == "transport" {
		mu = 12.4
	}
	r.ClaimedLoss = min(int64(math.Round(math.Exp(mu+1.1*g.rng.NormFloat64())/1000)*1000), 500_000_000)
	return r, g.receivedAt()
}

// services picks the affected services by their shares, at least one.
func (g *Generator) services(industry string) []string {
	var out []string
	for _, s := range g.inc.Services {
		share, ok := serviceShares[s.ID]
		if !ok {
			share = 0.3 // another incident's services: a fair chance each
		}
		if industry == "transport" && (s.ID == "kakao-t" || s.ID == "kakao-map") {
			share = 0.7 // drivers lost their dispatch and maps
		}
		if g.rng.Float64() < share {
			out = append(out, s.ID)
		}
	}
	if len(out) == 0 {
		out = append(out, g.inc.Services[g.rng.IntN(len(g.inc.Services))].ID)
	}
	return out
}

// receivedAt spreads reports over the intake: many in the first days, fewer each day after
// (Kakao had 45,000 of 105,116 in its first five days), in waking hours.
func (g *Generator) receivedAt() time.Time {
	day := int(g.rng.ExpFloat64() * 5)
	for day >= g.days { // the tail is drawn again, not piled onto the last day
		day = int(g.rng.ExpFloat64() * 5)
	}
	minute := 8*60 + g.rng.IntN(15*60) // 08:00 to 23:00 KST
	return g.start.AddDate(0, 0, day).Add(time.Duration(minute)*time.Minute + time.Duration(g.rng.IntN(60))*time.Second)
}
