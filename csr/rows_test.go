package csr

import (
	"iter"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// rowMap turns a transformed row into field → value, as a socrata.Row
// would hold it (Value.Interface).
func rowMap(row []socrata.Value) map[string]any {
	m := make(map[string]any, len(row))
	for i, f := range schema.Fields() {
		m[f] = row[i].Interface()
	}
	return m
}

// mapRow transforms rec into a new field → value map.
func mapRow(tr *Transformer, rec *Record) (map[string]any, error) {
	row := make([]socrata.Value, NumFields)
	if err := tr.Transform(rec, row); err != nil {
		return nil, err
	}
	return rowMap(row), nil
}

// mapRows is Rows with each row as a new map.
func mapRows(rd *Reader) iter.Seq2[map[string]any, error] {
	return func(yield func(map[string]any, error) bool) {
		for row, err := range Rows(rd, NewTransformer()).Rows {
			var m map[string]any
			if err == nil {
				m = rowMap(row)
			}
			if !yield(m, err) {
				return
			}
		}
	}
}

// flexMapRows is FlexRows with each row as a new map.
func flexMapRows(fn *FlexNotes) iter.Seq2[map[string]any, error] {
	return func(yield func(map[string]any, error) bool) {
		fields := FlexFields()
		for row, err := range FlexRows(fn).Rows {
			var m map[string]any
			if err == nil {
				m = make(map[string]any, len(row))
				for i, f := range fields {
					m[f] = row[i].Interface()
				}
			}
			if !yield(m, err) {
				return
			}
		}
	}
}
