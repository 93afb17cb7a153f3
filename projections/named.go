package projections

// Named is the name of a read model kept in one table: the table of its
// current version, or a copy of it named with a suffix, built beside the
// live one as a rebuild or a consistency check does. Projectors embed it
// for their Name and Tables, and read their table's name with Table.
type Named struct{ table string }

// NamedTable names the table table+suffix ("": the live one).
func NamedTable(table, suffix string) Named { return Named{table: table + suffix} }

// Name names the projection (and its consumer group) by its table.
func (n Named) Name() string { return n.table }

// Tables names the read model's table.
func (n Named) Tables() []string { return []string{n.table} }

// Table is the table's name.
func (n Named) Table() string { return n.table }

// InTable is the projector P of a read model kept in one table: of
// table+suffix, the live table for suffix "", else a copy built beside it
// (a rebuild, a consistency check).
func InTable[P ~struct{ Named }](table, suffix string) P { return P{Named: NamedTable(table, suffix)} }
