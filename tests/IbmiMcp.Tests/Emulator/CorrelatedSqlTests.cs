using System.Text.Json;

namespace IbmiMcp.Tests.Emulator;

/// <summary>
/// The Db2 for i forms IBM's services examples (and the reference server's tools) use that SQLite lacks: LATERAL,
/// table-function arguments taken from another table's columns, and JSON_TABLE over a column.
/// </summary>
public sealed class CorrelatedSqlTests(EmulatorFixture fx) : IClassFixture<EmulatorFixture>
{
    private async Task<List<JsonElement>> Rows(string sql)
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "q", type = "sql", sql, rows = 500 });
        Assert.True(r.GetProperty("success").GetBoolean(), r.ToString());
        return [.. r.GetProperty("data").EnumerateArray()];
    }

    [Fact]
    public async Task Lateral_over_a_table_function_sees_the_tables_before_it()
    {
        var rows = await Rows("""
            SELECT libl.system_schema_name AS lib, priv.authorization_user AS who, priv.object_authority AS aut
              FROM qsys2.library_list_info libl, LATERAL (
                SELECT * FROM TABLE (qsys2.object_privileges(system_object_schema => 'QSYS', system_object_name => system_schema_name,
                                                             object_type => '*LIB'))) priv
             WHERE priv.authorization_user = '*PUBLIC' ORDER BY libl.ordinal_position
            """);
        var byLibrary = rows.ToDictionary(r => r.GetProperty("LIB").GetString()!, r => r.GetProperty("AUT").GetString());
        Assert.Equal("*CHANGE", byLibrary["QGPL"]);
        Assert.Equal("*USE", byLibrary["QSYS2"]);
        Assert.All(rows, r => Assert.Equal("*PUBLIC", r.GetProperty("WHO").GetString()));
    }

    [Fact]
    public async Task Lateral_over_a_view_with_a_correlated_where_is_a_join()
    {
        var rows = await Rows("""
            SELECT lib.system_schema_name AS lib, priv.object_authority AS aut
              FROM qsys2.library_list_info lib, LATERAL (
                SELECT * FROM qsys2.object_privileges
                 WHERE system_object_schema = 'QSYS' AND system_object_name = lib.system_schema_name AND object_type = '*LIB') priv
             WHERE authorization_name = '*PUBLIC' AND lib.type = 'SYSTEM' ORDER BY 1
            """);
        Assert.Contains(rows, r => r.GetProperty("LIB").GetString() == "QUSRSYS" && r.GetProperty("AUT").GetString() == "*CHANGE");
        Assert.DoesNotContain(rows, r => r.GetProperty("LIB").GetString() == "QGPL");   // type USER
    }

    [Fact]
    public async Task A_table_function_in_a_correlated_subquery_runs_per_row()
    {
        var rows = await Rows("""
            WITH files (lib_name, file_name) AS (VALUES ('SAMPLE', 'EMPLOYEE'), ('SAMPLE', 'DEPARTMENT'), ('QIWS', 'QCUSTCDT'))
            SELECT lib_name, file_name,
                   (SELECT objattribute FROM TABLE (qsys2.object_statistics(lib_name, '*FILE', file_name))) AS attribute,
                   (SELECT COUNT(*) FROM TABLE (qsys2.object_statistics(lib_name, '*FILE', '*ALL')) x) AS files_in_library
              FROM files ORDER BY lib_name, file_name
            """);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal("PF", r.GetProperty("ATTRIBUTE").GetString()));
        var sample = rows.First(r => r.GetProperty("LIB_NAME").GetString() == "SAMPLE").GetProperty("FILES_IN_LIBRARY").GetInt32();
        var qiws = rows.First(r => r.GetProperty("LIB_NAME").GetString() == "QIWS").GetProperty("FILES_IN_LIBRARY").GetInt32();
        Assert.True(sample > qiws && qiws >= 1, $"SAMPLE {sample}, QIWS {qiws}");
    }

    [Fact]
    public async Task Json_table_over_a_column_yields_one_row_per_array_element()
    {
        var rows = await Rows("""
            SELECT cs_category, cs_interval, a.n
              FROM QSYS2.COLLECTION_SERVICES_INFO,
                   LATERAL (SELECT * FROM JSON_TABLE(CATEGORY_LIST, 'lax $.category_list[*]'
                     COLUMNS(n FOR ORDINALITY, cs_category CLOB(1K) CCSID 1208 PATH 'lax $."category"',
                             cs_interval VARCHAR(10) PATH 'lax $."interval"'))) a
             ORDER BY a.n
            """);
        Assert.True(rows.Count >= 4);
        Assert.Equal("*CMNBASE", rows[0].GetProperty("CS_CATEGORY").GetString());
        Assert.Equal("15", rows[0].GetProperty("CS_INTERVAL").ToString());
        Assert.Equal(1, rows[0].GetProperty("N").GetInt32());
    }

    [Fact]
    public async Task Json_table_over_a_literal_needs_no_lateral()
    {
        var rows = await Rows("""
            SELECT t.name, t.qty FROM JSON_TABLE('{"items":[{"name":"a","qty":2},{"name":"b","qty":5}]}', '$.items[*]'
              COLUMNS(name VARCHAR(10) PATH '$.name', qty INTEGER PATH '$.qty')) AS t WHERE t.qty > 3
            """);
        var row = Assert.Single(rows);
        Assert.Equal("b", row.GetProperty("NAME").GetString());
    }

    [Fact]
    public async Task Object_statistics_reports_files_by_how_recently_they_were_used()
    {
        var rows = await Rows("""
            SELECT objname, last_used_timestamp FROM TABLE (qsys2.object_statistics('SAMPLE', '*FILE'))
             WHERE objcreated < current_timestamp - 12 MONTHS
               AND (last_used_timestamp IS NULL OR last_used_timestamp < current_timestamp - 12 MONTHS)
            """);
        var names = rows.Select(r => r.GetProperty("OBJNAME").GetString()).ToList();
        Assert.Contains("PROJACT", names);      // 500 days
        Assert.Contains("EMPPROJACT", names);   // never used since the counts were reset
        Assert.DoesNotContain("EMPLOYEE", names);
    }
}
