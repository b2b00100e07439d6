package claimdesk

import (
	"bytes"
	"time"
	"unicode/utf8"
)

// Documents a merchant sends with a report, or later when a reviewer asks for them: what the
// 2022 funnel lost most merchants on (of about 8,900 reports, 451 sent the documents asked
// for). They are checked as contest evidence is (type by first bytes, size, count, SHA-256)
// and served to reviewers sandboxed.

// DocumentKinds are the documents a reviewer's checklist can ask for, in its order.
var DocumentKinds = Options{
	{"business_registration", Label{"사업자등록증", "Business registration certificate"}},
	{"sales_records", Label{"매출 자료 (카드 매출 내역, 장부)", "Sales records (card sales, ledger)"}},
	{"photos", Label{"사진 (안내문, 화면 등)", "Photos (notices, screens)"}},
	{"other", Label{"기타 자료", "Other documents"}},
}

// Document is a stored document, without its content.
type Document struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Source      string    `json:"source"` // "filing" or "answer"
	At          time.Time `json:"at"`
}

// DocumentFile is an uploaded document of a kind.
type DocumentFile struct {
	Kind string
	EvidenceFile
}

// MaxDocuments is how many documents one submission (a report, an answer) may carry.
const MaxDocuments = 10

// Spreadsheet and CSV content types, for sales records.
const (
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typeCSV  = "text/csv"
)

// DocumentType returns a document's content type by its first bytes: a photo (JPEG, PNG) or a
// PDF of any kind, and for sales records also an XLSX workbook or a CSV file (text without
// NUL bytes, in UTF-8 or the EUC-KR Korean spreadsheets save).
func DocumentType(kind string, data []byte) (string, bool) {
	if ct, ok := EvidenceType(data); ok {
		return ct, true
	}
	if kind != "sales_records" || len(data) == 0 {
		return "", false
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) && bytes.Contains(data[:min(len(data), 4096)], []byte("xl/")) {
		return typeXLSX, true
	}
	head := data[:min(len(data), 4096)]
	if !bytes.ContainsRune(head, 0) && (utf8.Valid(head) || bytes.ContainsAny(head, ",;\t")) {
		return typeCSV, true
	}
	return "", false
}

// CheckDocuments checks the documents of one submission, reporting problems on field: known
// kinds, at most MaxDocuments, each within MaxEvidenceBytes and of an accepted type. It
// cleans their names.
func CheckDocuments(fe *FieldErrors, field string, files []DocumentFile) {
	if len(files) > MaxDocuments {
		fe.Add(field, "evidence_too_many", MaxDocuments)
		return
	}
	for i := range files {
		f := &files[i]
		f.Name = CleanFileName(f.Name)
		switch {
		case !DocumentKinds.Has(f.Kind):
			fe.Add(field, "document_kind", f.Kind)
		case len(f.Data) > MaxEvidenceBytes:
			fe.Add(field, "evidence_too_large", f.Name, MaxEvidenceBytes>>20)
		default:
			if _, ok := DocumentType(f.Kind, f.Data); !ok {
				code := "evidence_type"
				if f.Kind == "sales_records" {
					code = "document_type_sales"
				}
				fe.Add(field, code, f.Name)
			}
		}
		if fe.Has(field) {
			return
		}
	}
}
