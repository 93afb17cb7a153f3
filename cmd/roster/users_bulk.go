package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster/domain"
)

// usersCmd groups the tools that act on a tenant's users through the HTTP
// API.
type usersCmd struct {
	Bulk usersBulkCmd `cmd:"" help:"Carry out one action on every user a CSV file lists (leavers to deactivate, accounts to block), through the HTTP API's bulk endpoint."`
}

// maxBulkRows bounds what one file may list: ten full bulks.
const maxBulkRows = 10 * 1000

// usersBulkCmd reads a CSV of users and sends their action in bulks.
type usersBulkCmd struct {
	Tenant string `name:"tenant" required:"" placeholder:"ID" help:"The tenant whose users the file lists."`
	File   string `name:"file" required:"" type:"path" placeholder:"PATH" help:"The CSV file ('-' reads standard input): user id or e-mail, then optionally reason and hand-off target."`
	Action string `name:"action" default:"deactivate" enum:"deactivate,reactivate,activate,block,unblock,revoke-sessions,delete" help:"What to do to each user (${enum})."`
	DryRun bool   `name:"dry-run" help:"Show what would happen, changing nothing."`
	Atomic bool   `name:"atomic" help:"All or nothing: one refused row stores nothing (at most 1,000 rows)."`
	URL    string `name:"url" default:"http://127.0.0.1:8080" env:"ROSTER_URL" help:"The Roster HTTP API."`
	Token  string `name:"token" env:"ROSTER_TOKEN" help:"A bearer token: the operator's, or a session of an admin of the tenant."`

	// Seams for tests; nil means the process's own.
	stdin  io.Reader
	stdout io.Writer
	client *http.Client
}

// Help is the long help of `roster users bulk --help`.
func (c *usersBulkCmd) Help() string {
	return strings.Join([]string{
		"Reads a CSV file with one user per row: the user's id or e-mail address, then, optionally, a reason (recorded in the audit trail) and, for deactivate, the user their work is handed to (an id, or \"unassigned\"). A first row of user,reason,handoff_to (in any order) names the columns; without it they are taken in that order.",
		"Every row is checked before anything is sent: an unknown e-mail, a malformed id, a column too many, a hand-off for another action or a user listed twice is reported with its line number, and then nothing is sent at all. E-mail addresses are looked up through the API.",
		"The actions go through POST /v1/tenants/{tenant}/bulk, 1,000 rows per request, each request with an Idempotency-Key derived from the file, so that running the same file again within 24 hours answers the first outcome instead of acting twice. A progress bar shows on a terminal, plain lines otherwise.",
		"Prints a summary: how many rows changed, how many were already so, how many were refused and why, each refused row with its line. Exits 1 when any row was invalid or refused, 0 otherwise.",
	}, "\n\n")
}

// rowProblem is what is wrong with a line of the file (0: the whole file).
type rowProblem struct {
	line int
	what string
}

func (p rowProblem) String() string {
	if p.line == 0 {
		return p.what
	}
	return fmt.Sprintf("line %d: %s", p.line, p.what)
}

// bulkRow is a row of the file, checked.
type bulkRow struct {
	line            int
	given           string // as in the file: an id or an e-mail
	user            domain.UserID
	reason, handoff string
}

func (c *usersBulkCmd) Run(ctx context.Context, _ *slog.Logger) error {
	if c.stdout == nil {
		c.stdout = os.Stdout
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 2 * time.Minute}
	}
	if !domain.TenantID(c.Tenant).Valid() {
		return fmt.Errorf("--tenant %q is not a tenant id (1–64 of a-z, 0-9 and -)", c.Tenant)
	}
	if c.Token == "" {
		return errors.New("a token is required: --token or ROSTER_TOKEN")
	}
	raw, err := c.readFile()
	if err != nil {
		return err
	}
	rows, problems := c.parse(raw)
	problems = append(problems, c.resolveEmails(ctx, rows)...)
	problems = append(problems, duplicates(rows)...)
	slices.SortStableFunc(problems, func(a, b rowProblem) int { return a.line - b.line })
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(c.stdout, p)
		}
		return fmt.Errorf("%d rows of %s are invalid; nothing was sent", len(problems), c.File)
	}
	if c.Atomic && len(rows) > 1000 {
		return fmt.Errorf("--atomic takes at most 1,000 rows; %s has %d", c.File, len(rows))
	}
	outcomes, err := c.send(ctx, rows, raw)
	if err != nil {
		return err
	}
	return c.summarize(rows, outcomes)
}

func (c *usersBulkCmd) readFile() ([]byte, error) {
	var in io.Reader = c.stdin
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	} else if in == nil {
		in = os.Stdin
	}
	raw, err := io.ReadAll(io.LimitReader(in, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.File, err)
	}
	return raw, nil
}

// parse reads the CSV rows and checks each on its own.
func (c *usersBulkCmd) parse(raw []byte) ([]bulkRow, []rowProblem) {
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord, r.TrimLeadingSpace = -1, true
	columns := []string{"user", "reason", "handoff_to"}
	var rows []bulkRow
	var problems []rowProblem
	for first := true; ; first = false {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, append(problems, rowProblem{line, fmt.Sprintf("not CSV: %v", err)})
		}
		if first && strings.EqualFold(strings.TrimSpace(record[0]), "user") {
			if columns, err = headerColumns(record); err != nil {
				return nil, []rowProblem{{line, err.Error()}}
			}
			continue
		}
		row, err := c.row(line, columns, record)
		if err != nil {
			problems = append(problems, rowProblem{line, err.Error()})
			continue
		}
		rows = append(rows, row)
	}
	switch {
	case len(rows)+len(problems) == 0:
		problems = append(problems, rowProblem{0, c.File + " lists no users"})
	case len(rows)+len(problems) > maxBulkRows:
		problems = append(problems, rowProblem{0, fmt.Sprintf("%s lists %d users; at most %d at a time", c.File, len(rows)+len(problems), maxBulkRows)})
	}
	return rows, problems
}

// headerColumns reads a header row: user, reason and handoff_to in any order.
func headerColumns(record []string) ([]string, error) {
	columns := make([]string, len(record))
	seen := map[string]bool{}
	for i, name := range record {
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "user" && name != "reason" && name != "handoff_to" || seen[name] {
			return nil, fmt.Errorf("the header names %q; the columns are user, reason and handoff_to, each once", name)
		}
		columns[i], seen[name] = name, true
	}
	return columns, nil
}

// row checks one record against the columns.
func (c *usersBulkCmd) row(line int, columns, record []string) (bulkRow, error) {
	if len(record) > len(columns) {
		return bulkRow{}, fmt.Errorf("%d columns; the columns are %s", len(record), strings.Join(columns, ", "))
	}
	row := bulkRow{line: line}
	for i, value := range record {
		value = strings.TrimSpace(value)
		switch columns[i] {
		case "user":
			row.given = value
		case "reason":
			row.reason = value
		case "handoff_to":
			row.handoff = value
		}
	}
	switch {
	case row.given == "":
		return bulkRow{}, errors.New("no user")
	case strings.Contains(row.given, "@"):
		if _, err := domain.ParseEmail("user", row.given); err != nil {
			return bulkRow{}, fmt.Errorf("%q is not an e-mail address", row.given)
		}
	case !domain.UserID(row.given).Valid():
		return bulkRow{}, fmt.Errorf("%q is neither a user id (1–64 of a-z, 0-9 and -) nor an e-mail address", row.given)
	default:
		row.user = domain.UserID(row.given)
	}
	if err := domain.ReasonText.Check("reason", row.reason); err != nil {
		return bulkRow{}, fmt.Errorf("reason: %v", err)
	}
	if row.handoff != "" && c.Action != "deactivate" {
		return bulkRow{}, fmt.Errorf("a hand-off target is for deactivate, not %s", c.Action)
	}
	if row.handoff != "" && row.handoff != "unassigned" && !domain.UserID(row.handoff).Valid() {
		return bulkRow{}, fmt.Errorf("hand-off target %q is neither a user id nor \"unassigned\"", row.handoff)
	}
	return row, nil
}

// resolveEmails looks the rows given by e-mail up through the API.
func (c *usersBulkCmd) resolveEmails(ctx context.Context, rows []bulkRow) []rowProblem {
	var problems []rowProblem
	for i := range rows {
		if rows[i].user != "" {
			continue
		}
		id, err := c.userByEmail(ctx, rows[i].given)
		switch {
		case err != nil:
			return append(problems, rowProblem{rows[i].line, fmt.Sprintf("looking %s up: %v", rows[i].given, err)})
		case id == "":
			problems = append(problems, rowProblem{rows[i].line, fmt.Sprintf("no user of %s has the e-mail %s", c.Tenant, rows[i].given)})
		}
		rows[i].user = id
	}
	return problems
}

func (c *usersBulkCmd) userByEmail(ctx context.Context, email string) (domain.UserID, error) {
	var page struct {
		Items []struct {
			ID    domain.UserID `json:"id"`
			Email *string       `json:"email"`
		} `json:"items"`
	}
	path := "/v1/tenants/" + c.Tenant + "/users?limit=500&q=" + url.QueryEscape(email)
	if err := c.call(ctx, http.MethodGet, path, nil, "", &page); err != nil {
		return "", err
	}
	for _, u := range page.Items {
		if u.Email != nil && strings.EqualFold(*u.Email, email) {
			return u.ID, nil
		}
	}
	return "", nil
}

// duplicates reports a user listed twice (by id, or by id and e-mail).
func duplicates(rows []bulkRow) []rowProblem {
	var problems []rowProblem
	first := map[domain.UserID]int{}
	for _, r := range rows {
		if r.user == "" { // an e-mail nobody has: reported already
			continue
		}
		if line, seen := first[r.user]; seen {
			problems = append(problems, rowProblem{r.line, fmt.Sprintf("%s is listed already, on line %d", r.user, line)})
			continue
		}
		first[r.user] = r.line
	}
	return problems
}

// rowOutcome is what became of a row: its result in the bulk's reply.
type rowOutcome struct {
	Status  int  `json:"status"`
	Changed bool `json:"changed"`
	Problem *struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	} `json:"problem"`
}

// send posts the rows in bulks of 1,000, showing progress.
func (c *usersBulkCmd) send(ctx context.Context, rows []bulkRow, raw []byte) ([]rowOutcome, error) {
	out, _ := c.stdout.(*os.File)
	var view progressView = &quietView{}
	if out != nil {
		view = newProgressView(out, "sending", "rows")
	}
	defer view.finish()
	outcomes := make([]rowOutcome, 0, len(rows))
	for start := 0; start < len(rows); start += 1000 {
		chunk := rows[start:min(start+1000, len(rows))]
		reply, err := c.sendChunk(ctx, chunk, c.idempotencyKey(raw, start))
		if err != nil {
			return nil, fmt.Errorf("rows %d to %d (lines %d to %d): %w", start+1, start+len(chunk), chunk[0].line, chunk[len(chunk)-1].line, err)
		}
		outcomes = append(outcomes, reply...)
		view.show(int64(len(outcomes)), int64(len(rows)))
	}
	return outcomes, nil
}

// idempotencyKey names one bulk of the file: the same file, tenant, action
// and mode make the same keys.
func (c *usersBulkCmd) idempotencyKey(raw []byte, start int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%v\x00%d\x00%s", c.Tenant, c.Action, c.Atomic, start, raw))
	return "roster-users-bulk-" + hex.EncodeToString(sum[:16])
}

func (c *usersBulkCmd) sendChunk(ctx context.Context, chunk []bulkRow, key string) ([]rowOutcome, error) {
	actions := make([]map[string]any, len(chunk))
	for i, r := range chunk {
		a := map[string]any{"action": c.Action, "user": r.user}
		if r.reason != "" {
			a["reason"] = r.reason
		}
		if r.handoff != "" {
			a["handoff_to"] = r.handoff
		}
		actions[i] = a
	}
	body := map[string]any{"atomic": c.Atomic, "dry_run": c.DryRun, "actions": actions}
	var reply struct {
		Results []rowOutcome `json:"results"`
	}
	err := c.call(ctx, http.MethodPost, "/v1/tenants/"+c.Tenant+"/bulk", body, key, &reply)
	var refused *apiProblem
	if errors.As(err, &refused) && refused.Index != nil && *refused.Index < len(chunk) {
		// An atomic bulk refused by one row: that row is refused, the
		// others not carried out.
		results := make([]rowOutcome, len(chunk)) // status 0: not carried out
		results[*refused.Index] = rowOutcome{Status: refused.Status, Problem: &struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}{refused.Code, refused.Detail}}
		return results, nil
	}
	if err != nil {
		return nil, err
	}
	if len(reply.Results) != len(chunk) {
		return nil, fmt.Errorf("the API answered %d results for %d rows", len(reply.Results), len(chunk))
	}
	return reply.Results, nil
}

// apiProblem is a problem document the API answered.
type apiProblem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Index  *int   `json:"index"`
}

func (p *apiProblem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail) }

// call sends one request to the API and decodes its JSON reply into reply;
// a problem document is returned as an *apiProblem.
func (c *usersBulkCmd) call(ctx context.Context, method, path string, body any, key string, reply any) error {
	var payload io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		payload = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+path, payload)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		p := &apiProblem{Status: resp.StatusCode}
		if json.Unmarshal(raw, p) != nil || p.Code == "" {
			return fmt.Errorf("%s %s answered %s", method, path, resp.Status)
		}
		return p
	}
	return json.Unmarshal(raw, reply)
}

// summarize prints what became of the rows, and fails when any was refused.
func (c *usersBulkCmd) summarize(rows []bulkRow, outcomes []rowOutcome) error {
	changed, already, refused, skipped := 0, 0, 0, 0
	byCode := map[string]int{}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for i, o := range outcomes {
		switch {
		case o.Problem != nil:
			refused++
			byCode[o.Problem.Code]++
			fmt.Fprintf(w, "line %d\t%s\trefused\t%s\t%s\n", rows[i].line, rows[i].given, o.Problem.Code, o.Problem.Detail)
		case o.Status == 0:
			skipped++
		case o.Changed:
			changed++
		default:
			already++
		}
	}
	_ = w.Flush()
	verb := "changed"
	if c.DryRun {
		verb = "would change (dry run: nothing was stored)"
	}
	fmt.Fprintf(w, "%s\t%d\n", verb, changed)
	fmt.Fprintf(w, "already so\t%d\n", already)
	fmt.Fprintf(w, "refused\t%d\n", refused)
	for code, n := range byCode {
		fmt.Fprintf(w, "  %s\t%d\n", code, n)
	}
	if skipped > 0 {
		fmt.Fprintf(w, "not carried out (the atomic bulk was refused)\t%d\n", skipped)
	}
	_ = w.Flush()
	if refused > 0 {
		return fmt.Errorf("%d of %d rows were refused", refused, len(rows))
	}
	return nil
}

// quietView shows nothing: for output that is not a file.
type quietView struct{}

func (quietView) show(int64, int64) {}
func (quietView) finish()           {}
