namespace IbmiMcp.Emulator.Sql;

/// <summary>DDL text for QSYS2.GENERATE_SQL, built from the catalog the way Db2 for i formats it.</summary>
internal static class Ddl
{
    public static List<string> Generate(Db2Job job, string lib, string obj, string type, bool replace)
    {
        var cat = job.Database.Catalog;
        var lines = new List<string>
        {
            "-- Generate SQL ",
            "-- Version:                   V7R5M0 220415 ",
            $"-- Generated on:              {DateTime.Now:MM/dd/yy HH:mm:ss} ",
            "-- Relational Database:       IBMIEMU ",
            "-- Standards Option:          Db2 for i ",
            "SET PATH \"QSYS\",\"QSYS2\",\"SYSPROC\",\"SYSIBMADM\" ; ",
            "",
        };
        if (type is "SCHEMA")
        {
            if (!cat.Schemas.Contains(obj)) throw Db2SqlException.NotFound(obj, "QSYS", "*LIB");
            lines.Add($"CREATE SCHEMA {obj} ; ");
            return lines;
        }
        if (type is "INDEX")
        {
            var ix = cat.Indexes.FirstOrDefault(x => x.Schema == lib && x.Name == obj) ?? throw Db2SqlException.NotFound(obj, lib);
            lines.Add($"CREATE {(ix.Unique ? "UNIQUE " : "")}INDEX {lib}.{obj} ");
            lines.Add($"\tON {lib}.{ix.Table} ( {string.Join(" ASC , ", ix.Columns)} ASC ) ; ");
            return lines;
        }
        if (type is not ("TABLE" or "VIEW")) throw Db2SqlException.NotFound(obj, lib, "*N");
        if (!job.Database.IsAuthorized(lib, obj, job.User)) throw Db2SqlException.NotAuthorized(obj, lib);
        var t = cat.Find(lib, obj);
        if (t is null || (type == "VIEW" && t.Kind != 'V')) throw Db2SqlException.NotFound(obj, lib);
        if (t.Kind == 'V')
        {
            lines.Add($"CREATE {(replace ? "OR REPLACE " : "")}VIEW {lib}.{obj} ( ");
            for (int i = 0; i < t.Columns.Count; i++)
                lines.Add($"\t{t.Columns[i].Name}{(i < t.Columns.Count - 1 ? " , " : " ) ")}");
            string body = t.Sql ?? "";
            int asAt = body.IndexOf(" AS ", StringComparison.OrdinalIgnoreCase);
            foreach (var l in (asAt >= 0 ? body[(asAt + 4)..] : body).Split('\n'))
                lines.Add("\t" + l.Trim() + " ");
            lines[^1] = lines[^1].TrimEnd() + " ; ";
        }
        else
        {
            lines.Add($"CREATE {(replace ? "OR REPLACE " : "")}TABLE {lib}.{obj} ( ");
            var pk = new List<string>();
            for (int i = 0; i < t.Columns.Count; i++)
            {
                var c = t.Columns[i];
                string nn = c.Nullable ? "" : " NOT NULL";
                string dflt = c.Default is null ? "" : " DEFAULT " + c.Default;
                lines.Add($"\t{c.Name} {c.Type.Ddl}{(c.Type.IsString ? " CCSID 37" : "")}{nn}{dflt}{(i < t.Columns.Count - 1 ? " , " : " ) ")}");
            }
            lines[^1] = lines[^1].TrimEnd() + " ";
            lines.Add("\t ");
            lines.Add("\tRCDFMT " + (obj.Length <= 10 ? obj : obj[..10]) + "     ; ");
            if (t.Text is not null)
            {
                lines.Add("");
                lines.Add($"LABEL ON TABLE {lib}.{obj} ");
                lines.Add($"\tIS '{t.Text.Replace("'", "''")}' ; ");
            }
        }
        return lines;
    }
}
