using System.Text;

namespace IbmiMcp.Emulator.Sql;

internal sealed partial class Db2Job
{
    public int NextTempId() => Interlocked.Increment(ref _tempCounter);

    /// <summary>Creates and fills temp.NAME from generated rows (caller holds the gate).</summary>
    public void CreateTempTable(string name, TableData data)
    {
        var ddl = new StringBuilder($"CREATE TEMP TABLE \"{name}\" (");
        for (int i = 0; i < data.Columns.Count; i++)
        {
            if (i > 0) ddl.Append(", ");
            ddl.Append('"').Append(data.Columns[i].Name).Append("\" ").Append(data.Columns[i].Type);
        }
        DbExec(ddl.Append(')').ToString());
        if (data.Rows.Count > 0)
        {
            using var tx = _conn.AutoCommitActive() ? _conn.BeginTransaction() : null;
            using var cmd = _conn.CreateCommand();
            var sb = new StringBuilder($"INSERT INTO temp.\"{name}\" VALUES (");
            for (int i = 0; i < data.Columns.Count; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append("$c").Append(i);
                cmd.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$c" + i, DBNull.Value));
            }
            cmd.CommandText = sb.Append(')').ToString();
            foreach (var row in data.Rows)
            {
                for (int i = 0; i < data.Columns.Count; i++) cmd.Parameters[i].Value = i < row.Length && row[i] is not null ? row[i] : DBNull.Value;
                cmd.ExecuteNonQuery();
            }
            tx?.Commit();
        }
        var cols = data.Columns.Select((c, i) => new ColumnInfo(c.Name, Db2Type.Parse(c.Type), true, null, i + 1)).ToList();
        TempTables[name] = new TableInfo("QTEMP", name, 'T', null, cols, null, data.Rows.Count);
    }
}
