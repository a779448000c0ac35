package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"strconv"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/permits"
	"github.com/cityofaustin/atd-executive-dashboard/smartsheet"
)

// sheetSource reads a whole sheet: the Smartsheet client, or the embedded
// sample sheets.
type sheetSource interface {
	Sheet(ctx context.Context, id int64, opts smartsheet.SheetOptions) (smartsheet.Sheet, error)
}

var (
	_ sheetSource         = (*smartsheet.Client)(nil)
	_ permits.StatusSheet = smartsheet.Sheet{}
)

// sheetContributions is the --sheets configuration, read and checked
// before any work starts, and the source of its sheets.
type sheetContributions struct {
	cfgs []permits.SheetContribution
	src  sheetSource
}

// loadSheetContributions reads the --sheets file and builds the Smartsheet
// client (the embedded sample sheets in sample mode). Every failure is a
// configuration error.
func loadSheetContributions(job *jobkit.Job, file string) (*sheetContributions, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, &jobkit.ConfigError{Err: fmt.Errorf("--sheets: %w", err)}
	}
	cfgs, err := permits.ParseSheetContributions(f)
	f.Close()
	if err != nil {
		return nil, &jobkit.ConfigError{Err: fmt.Errorf("--sheets %s: %w", file, err)}
	}
	var src sheetSource = sampleSheets{}
	if job.Mode == jobkit.Live {
		token := job.Env.Get("SMARTSHEET_ACCESS_TOKEN")
		if token == "" {
			return nil, &jobkit.ConfigError{Missing: []string{"SMARTSHEET_ACCESS_TOKEN"}}
		}
		client, err := smartsheet.New(smartsheet.Config{Token: token, BaseURL: job.Env.Get("SMARTSHEET_API_BASE"), Logger: job.Logger, Timeout: job.Flags.RequestTimeout})
		if err != nil {
			return nil, &jobkit.ConfigError{Err: err}
		}
		src = client
	}
	return &sheetContributions{cfgs: cfgs, src: src}, nil
}

// add adds each configured sheet's active requests to its folder type,
// logging every addition.
func (s *sheetContributions) add(ctx context.Context, job *jobkit.Job, counts *permits.ActiveCounts) error {
	for _, cfg := range s.cfgs {
		sh, err := s.src.Sheet(ctx, cfg.SheetID, smartsheet.SheetOptions{})
		if err != nil {
			return err
		}
		c, err := permits.CountActive(sh, cfg)
		if err != nil {
			return err
		}
		if !counts.Add(c) {
			job.Logger.WarnContext(ctx, "smartsheet requests not added: the folder type is missing from "+permits.ActivePermitsKey+" (its count stays null)",
				"sheet_id", cfg.SheetID, "sheet", c.Sheet, "folder_type", c.FolderType, "count", c.Count)
			continue
		}
		job.Logger.InfoContext(ctx, "smartsheet requests added to active permits", "sheet_id", cfg.SheetID,
			"sheet", c.Sheet, "folder_type", c.FolderType, "count", c.Count, "status_column", cfg.StatusColumn)
	}
	return nil
}

// sampleSheets serves the embedded sample sheets (sample/sheets/<id>.json).
type sampleSheets struct{}

func (sampleSheets) Sheet(_ context.Context, id int64, _ smartsheet.SheetOptions) (smartsheet.Sheet, error) {
	b, err := sample.ReadFile(path.Join("sample", "sheets", strconv.FormatInt(id, 10)+".json"))
	if err != nil {
		return smartsheet.Sheet{}, fmt.Errorf("smartsheet sample: no embedded sheet %d", id)
	}
	return smartsheet.DecodeSheet(b)
}
