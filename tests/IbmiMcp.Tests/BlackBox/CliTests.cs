using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Tools;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// The IBM i command line as people and agents run it: the binary (published AOT under the README's test command)
/// against the emulator over TLS, with its own HOME so ~/.ibmi/config.yaml is the test's. Every verb, every format,
/// the exit codes scripts rely on, named systems, several systems at once, streaming, --watch and Ctrl+C.
/// </summary>
public sealed class CliTests : IAsyncLifetime
{
    private const string Tools = "--tools";
    private EmulatorHost _emulator = null!;
    private string _home = null!;
    private readonly Observability.SecretScanner _secrets = new Observability.SecretScanner().AddDemoPasswords();

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        _home = ServerProcess.CreateEmptyDirectory();
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    private Dictionary<string, string?> EnvSystem(string password = "mcppass1") => new()
    {
        ["HOME"] = _home,
        ["DB2i_HOST"] = "127.0.0.1",
        ["DB2i_PORT"] = _emulator.Port.ToString(CultureInfo.InvariantCulture),
        ["DB2i_USER"] = "MCPUSER",
        ["DB2i_PASS"] = password,
        ["DB2i_IGNORE_UNAUTHORIZED"] = "true",
    };

    private sealed record Run(int Exit, string Stdout, string Stderr)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private async Task<Run> Ibmi(IEnumerable<string> args, Dictionary<string, string?>? env = null, string? stdin = null, string? cwd = null)
    {
        var psi = ServerProcess.CreateStartInfo(args, env ?? EnvSystem(), cwd);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        var run = new Run(process.ExitCode, await stdout, await stderr);
        _secrets.AssertClean([("cli stdout", run.Stdout), ("cli stderr", run.Stderr)]);
        return run;
    }

    private Task<Run> Ibmi(params string[] args) => Ibmi(args, null);

    private const string ThreeEmployees = "SELECT EMPNO, FIRSTNME, SALARY, HIREDATE, BONUS FROM SAMPLE.EMPLOYEE ORDER BY EMPNO FETCH FIRST 3 ROWS ONLY";

    [Fact]
    public async Task Sql_prints_json_when_piped_with_typed_values_and_meta()
    {
        var run = await Ibmi("sql", ThreeEmployees);
        Assert.Equal(0, run.Exit);
        var json = run.Json;
        Assert.True(json.GetProperty("ok").GetBoolean());
        Assert.Equal("env", json.GetProperty("system").GetString());
        var rows = json.GetProperty("data");
        Assert.Equal(3, rows.GetArrayLength());
        Assert.Equal("000010", rows[0].GetProperty("EMPNO").GetString());
        Assert.Equal(JsonValueKind.Number, rows[0].GetProperty("SALARY").ValueKind);
        Assert.Equal(3, json.GetProperty("meta").GetProperty("rows").GetInt32());
        Assert.False(json.GetProperty("meta").GetProperty("hasMore").GetBoolean());
        // The statement ran as the signed-on user, tagged for ACTIVE_JOB_INFO.
        Assert.Contains(_emulator.ClientInfo, r => r.User == "MCPUSER" && r.ProgramId == "ibmi:sql" && r.Sql.Contains("SAMPLE.EMPLOYEE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_format_renders_the_same_rows()
    {
        var table = await Ibmi("sql", ThreeEmployees, "--format", "table");
        Assert.Equal(0, table.Exit);
        Assert.Contains("│ EMPNO ", table.Stdout);
        Assert.Contains("CHRISTINE", table.Stdout);
        Assert.Contains("152750.00 │", table.Stdout);      // numbers right-aligned
        Assert.Contains("3 rows", table.Stdout);

        var csv = await Ibmi("sql", ThreeEmployees, "--format", "csv");
        Assert.Equal("EMPNO,FIRSTNME,SALARY,HIREDATE,BONUS", csv.Lines[0]);
        Assert.StartsWith("000010,CHRISTINE,152750.00,", csv.Lines[1]);
        Assert.Equal(4, csv.Lines.Length);

        var markdown = await Ibmi("sql", ThreeEmployees, "--format", "markdown");
        Assert.StartsWith("| EMPNO", markdown.Lines[0]);
        Assert.StartsWith("| ---", markdown.Lines[1]);

        var raw = await Ibmi("sql", ThreeEmployees, "--raw");
        Assert.Equal(3, raw.Json.GetProperty("data").GetArrayLength());

        var ndjson = await Ibmi("sql", ThreeEmployees, "--stream");
        Assert.Equal(3, ndjson.Lines.Length);
        Assert.All(ndjson.Lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
    }

    [Fact]
    public async Task Nulls_and_repeated_column_names_stay_visible()
    {
        const string Sql = "SELECT D.DEPTNO, E.EMPNO, D.MGRNO, E.WORKDEPT AS DEPTNO FROM SAMPLE.DEPARTMENT D LEFT JOIN SAMPLE.EMPLOYEE E ON E.EMPNO = D.MGRNO WHERE D.MGRNO IS NULL FETCH FIRST 1 ROWS ONLY";
        var run = await Ibmi("sql", Sql);
        Assert.Equal(0, run.Exit);
        var row = run.Json.GetProperty("data")[0];
        Assert.True(row.TryGetProperty("DEPTNO", out _));
        Assert.True(row.TryGetProperty("DEPTNO_2", out _));
        Assert.Equal(JsonValueKind.Null, row.GetProperty("MGRNO").ValueKind);

        var table = await Ibmi("sql", Sql, "--format", "table");
        Assert.Contains("NULL", table.Stdout);
        Assert.Contains("DEPTNO_2", table.Stdout);
    }

    [Fact]
    public async Task Statement_comes_from_a_file_or_stdin()
    {
        var file = Path.Combine(_home, "q.sql");
        await File.WriteAllTextAsync(file, "SELECT COUNT(*) AS N FROM SAMPLE.DEPARTMENT");
        var fromFile = await Ibmi("sql", "--file", file, "--format", "csv");
        Assert.Equal(0, fromFile.Exit);
        Assert.Equal("N", fromFile.Lines[0]);

        var fromStdin = await Ibmi(["sql", "--format", "csv"], stdin: "SELECT COUNT(*) AS N FROM SAMPLE.DEPARTMENT\n");
        Assert.Equal(fromFile.Stdout, fromStdin.Stdout);

        var none = await Ibmi(["sql"], stdin: "");
        Assert.Equal(2, none.Exit);
    }

    [Fact]
    public async Task Writes_are_refused_before_anything_reaches_IBM_i_and_allowed_with_no_read_only()
    {
        var refused = await Ibmi("sql", "UPDATE SAMPLE.DEPARTMENT SET DEPTNAME = 'X' WHERE DEPTNO = 'Z99'");
        Assert.Equal(4, refused.Exit);
        Assert.Equal("SECURITY_VIOLATION", refused.Json.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("--no-read-only", refused.Stderr);
        Assert.Empty(_emulator.ClientInfo);   // refused locally: no sign-on, no statement

        var hidden = await Ibmi("sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1; DELETE FROM SAMPLE.DEPARTMENT");
        Assert.Equal(4, hidden.Exit);
        Assert.Empty(_emulator.ClientInfo);

        var allowed = await Ibmi("sql", "UPDATE SAMPLE.DEPARTMENT SET DEPTNAME = DEPTNAME WHERE DEPTNO = 'Z99'", "--no-read-only");
        Assert.Equal(0, allowed.Exit);
        Assert.Contains(_emulator.ClientInfo, r => r.Sql.StartsWith("UPDATE SAMPLE.DEPARTMENT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dry_run_shows_the_statement_without_connecting()
    {
        var env = EnvSystem();
        env["DB2i_PORT"] = FreePort("127.0.0.1").ToString(CultureInfo.InvariantCulture);   // nothing listens there
        var run = await Ibmi(["sql", "SELECT * FROM SAMPLE.ACT", "--dry-run", "--limit", "7"], env);
        Assert.Equal(0, run.Exit);
        var row = run.Json.GetProperty("data")[0];
        Assert.Equal("SELECT * FROM SAMPLE.ACT", row.GetProperty("SQL").GetString());
        Assert.Equal("7", row.GetProperty("LIMIT").ToString());

        // With no system configured at all, a dry run still works: it needs none.
        var nothing = new Dictionary<string, string?> { ["HOME"] = _home };
        Assert.Equal(0, (await Ibmi(["sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1", "--dry-run"], nothing)).Exit);
        var tool = await Ibmi(["tool", "department_staff", Tools, ToolTestFiles.ShippedDirectory, "--department", "A00", "--dry-run"], nothing);
        Assert.Equal(0, tool.Exit);
        Assert.Equal(2, (await Ibmi(["sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1"], nothing)).Exit);   // …unlike a real run
    }

    [Fact]
    public async Task Exit_codes_tell_sql_errors_wrong_passwords_unreachable_hosts_and_usage_apart()
    {
        var sqlError = await Ibmi("sql", "SELECT * FROM SAMPLE.NO_SUCH_TABLE");
        Assert.Equal(3, sqlError.Exit);
        var error = sqlError.Json.GetProperty("error");
        Assert.Equal("SQL_ERROR", error.GetProperty("code").GetString());
        Assert.Equal("42704", error.GetProperty("sqlState").GetString());
        Assert.Equal(-204, error.GetProperty("sqlCode").GetInt32());

        var wrong = await Ibmi(["sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1"], EnvSystem(password: "not-the-password"));
        Assert.Equal(5, wrong.Exit);
        Assert.Equal("AUTH_FAILURE", wrong.Json.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("not-the-password", wrong.Stdout + wrong.Stderr);

        var env = EnvSystem();
        env["DB2i_PORT"] = FreePort("127.0.0.1").ToString(CultureInfo.InvariantCulture);
        var down = await Ibmi(["sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1"], env);
        Assert.Equal(1, down.Exit);
        Assert.Equal("CONNECTION_ERROR", down.Json.GetProperty("error").GetProperty("code").GetString());

        Assert.Equal(2, (await Ibmi("sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1", "--bogus")).Exit);
        Assert.Equal(2, (await Ibmi("frobnicate")).Exit);
        Assert.Equal(2, (await Ibmi("sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1", "--limit", "0")).Exit);
        var unknown = await Ibmi("sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1", "--system", "nowhere");
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("nowhere", unknown.Stderr);
    }

    [Fact]
    public async Task Describe_returns_ddl_and_one_failing_object_becomes_an_error_row()
    {
        var run = await Ibmi("describe", "SAMPLE.EMPLOYEE,SAMPLE.NO_SUCH_TABLE");
        Assert.Equal(3, run.Exit);   // partial failure: the rows are there, the exit code says not everything worked
        var rows = run.Json.GetProperty("data");
        Assert.Equal(2, rows.GetArrayLength());
        Assert.Contains("CREATE OR REPLACE TABLE SAMPLE.EMPLOYEE", rows[0].GetProperty("DDL").GetString());
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("ERROR").ValueKind);
        Assert.Contains("SQL0204", rows[1].GetProperty("ERROR").GetString());

        var one = await Ibmi("describe", "SAMPLE.DEPARTMENT", "--format", "table");
        Assert.Equal(0, one.Exit);
        Assert.Contains("CREATE OR REPLACE TABLE SAMPLE.DEPARTMENT", one.Stdout);
    }

    [Fact]
    public async Task Catalog_verbs_list_schemas_tables_columns_and_related_objects()
    {
        var schemas = await Ibmi("schemas", "--format", "csv");
        Assert.Equal(0, schemas.Exit);
        Assert.Contains(schemas.Lines, l => l.StartsWith("SAMPLE,", StringComparison.Ordinal));

        var tables = await Ibmi("tables", "SAMPLE", "--format", "csv");
        Assert.Contains(tables.Lines, l => l.StartsWith("SAMPLE,EMPLOYEE,", StringComparison.Ordinal));

        var filtered = await Ibmi("tables", "SAMPLE", "--filter", "DEPT%", "--format", "csv");
        Assert.All(filtered.Lines.Skip(1), l => Assert.StartsWith("SAMPLE,DEPT", l));

        var columns = await Ibmi("columns", "SAMPLE", "EMPLOYEE", "--format", "csv");
        Assert.StartsWith("COLUMN_NAME,", columns.Lines[0]);
        Assert.StartsWith("EMPNO,", columns.Lines[1]);

        var related = await Ibmi("related", "SAMPLE", "EMPLOYEE", "--format", "csv");
        Assert.Contains(related.Lines, l => l.Contains(",INDEX,", StringComparison.Ordinal) || l.Contains(",VIEW,", StringComparison.Ordinal));

        Assert.Equal(2, (await Ibmi("columns", "SAMPLE")).Exit);   // TABLE is missing
    }

    [Fact]
    public async Task Validate_says_valid_or_invalid_with_exit_3()
    {
        var valid = await Ibmi("validate", "SELECT EMPNO FROM SAMPLE.EMPLOYEE");
        Assert.Equal(0, valid.Exit);
        Assert.Equal("yes", valid.Json.GetProperty("data")[0].GetProperty("VALID").GetString());

        var invalid = await Ibmi("validate", "SELEC EMPNO FROM SAMPLE.EMPLOYEE");
        Assert.Equal(3, invalid.Exit);
        Assert.Equal("no", invalid.Json.GetProperty("data")[0].GetProperty("VALID").GetString());
    }

    [Fact]
    public async Task Tool_parameters_become_flags_validated_by_the_server_binder()
    {
        var shipped = ToolTestFiles.ShippedDirectory;
        var help = await Ibmi("tool", "find_employees", Tools, shipped, "--help");
        Assert.Equal(0, help.Exit);
        var flags = help.Json.GetProperty("data");
        Assert.Contains(flags.EnumerateArray(), f => f.GetProperty("FLAG").GetString() == "--name-contains" && f.GetProperty("REQUIRED").GetString() == "yes");
        Assert.Contains(flags.EnumerateArray(), f => f.GetProperty("FLAG").GetString() == "--job" && f.GetProperty("DESCRIPTION").GetString()!.Contains("MANAGER"));

        var run = await Ibmi("tool", "department_staff", Tools, shipped, "--department", "a00");
        Assert.Equal(0, run.Exit);
        Assert.True(run.Json.GetProperty("data").GetArrayLength() > 0);
        Assert.Contains(_emulator.ClientInfo, r => r.ProgramId == "department_staff" || r.ProgramId.Contains("department_staff", StringComparison.Ordinal));

        var snake = await Ibmi("tool", "find_employees", Tools, shipped, "--name_contains", "HAAS");
        Assert.Equal(0, snake.Exit);

        var missing = await Ibmi("tool", "department_staff", Tools, shipped);
        Assert.Equal(2, missing.Exit);
        Assert.Contains("'department' is required", missing.Stderr);

        var badEnum = await Ibmi("tool", "find_employees", Tools, shipped, "--name-contains", "HA", "--job", "ASTRONAUT");
        Assert.Equal(2, badEnum.Exit);
        Assert.Contains("must be one of", badEnum.Stderr);

        var dry = await Ibmi("tool", "department_staff", Tools, shipped, "--department", "A00", "--dry-run");
        Assert.Equal(0, dry.Exit);
        Assert.Contains("WHERE E.WORKDEPT = UPPER(?)", dry.Json.GetProperty("data")[0].GetProperty("SQL").GetString());

        var unknown = await Ibmi("tool", "no_such_tool", Tools, shipped);
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("department_staff", unknown.Stderr);   // the message lists what exists
    }

    [Fact]
    public async Task Tools_lists_toolsets_and_keeps_the_offline_validator()
    {
        var shipped = ToolTestFiles.ShippedDirectory;
        var tools = await Ibmi("tools", Tools, shipped, "--format", "csv");
        Assert.Equal(0, tools.Exit);
        Assert.Equal("NAME,TOOLSETS,PARAMETERS,DESCRIPTION", tools.Lines[0]);
        Assert.Contains(tools.Lines, l => l.StartsWith("department_staff,sample_hr,--department,", StringComparison.Ordinal));

        var toolsets = await Ibmi("toolsets", Tools, shipped, "--format", "csv");
        Assert.Contains(toolsets.Lines, l => l.StartsWith("sample_hr,", StringComparison.Ordinal));

        var show = await Ibmi("tools", "show", "department_staff", Tools, shipped);
        Assert.Equal(0, show.Exit);
        Assert.Contains("SAMPLE.EMPLOYEE", show.Stdout);

        var valid = await Ibmi("tools", "validate", shipped);
        Assert.Equal(0, valid.Exit);
        var broken = Path.Combine(_home, "broken.yaml");
        await File.WriteAllTextAsync(broken, "tools:\n  t:\n    source: nowhere\n    description: x\n    statement: SELECT 1 FROM SYSIBM.SYSDUMMY1\n");
        Assert.NotEqual(0, (await Ibmi("tools", "validate", broken)).Exit);
    }

    [Fact]
    public async Task Named_systems_are_kept_without_clear_passwords_and_used_by_name()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = _home };
        var port = _emulator.Port.ToString(CultureInfo.InvariantCulture);

        var clear = await Ibmi(["system", "add", "dev", "--host", "127.0.0.1", "--port", port, "--user", "MCPUSER", "--password", "mcppass1"], env);
        Assert.Equal(2, clear.Exit);
        Assert.False(File.Exists(Path.Combine(_home, ".ibmi", "config.yaml")));

        var add = await Ibmi(["system", "add", "dev", "--host", "127.0.0.1", "--port", port, "--user", "MCPUSER", "--password", "${DEV_PASS}"], env);
        Assert.Equal(0, add.Exit);
        var config = Path.Combine(_home, ".ibmi", "config.yaml");
        Assert.Contains("password: '${DEV_PASS}'", await File.ReadAllTextAsync(config));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(config)!));
        }

        var noPassword = await Ibmi(["sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1", "--system", "dev"], env);
        Assert.Equal(5, noPassword.Exit);
        Assert.Contains("DEV_PASS", noPassword.Stderr);

        env["DEV_PASS"] = "mcppass1";
        var ok = await Ibmi(["sql", "SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1", "--system", "dev", "--format", "csv"], env);
        Assert.Equal(0, ok.Exit);
        Assert.Equal(["ONE", "1"], ok.Lines);

        var test = await Ibmi(["system", "test", "dev", "--format", "csv"], env);
        Assert.Equal(0, test.Exit);
        Assert.StartsWith("dev,127.0.0.1,ok,", test.Lines[1]);

        Assert.Equal(0, (await Ibmi(["system", "default", "dev"], env)).Exit);
        var byDefault = await Ibmi(["sql", "SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"], env);
        Assert.Equal("dev", byDefault.Json.GetProperty("system").GetString());

        var list = await Ibmi(["system", "list", "--format", "csv"], env);
        Assert.StartsWith("dev,127.0.0.1," + port + ",MCPUSER,yes,", list.Lines[1]);

        Assert.Equal(0, (await Ibmi(["system", "remove", "dev"], env)).Exit);
        Assert.Single((await Ibmi(["system", "list", "--format", "csv"], env)).Lines);
    }

    [Fact]
    public async Task A_project_config_pins_the_emulator_certificate_and_wins_over_the_user_config()
    {
        var project = ServerProcess.CreateEmptyDirectory();
        var pem = Path.Combine(project, "emulator.pem");
        await File.WriteAllTextAsync(pem, _emulator.CertificatePem);
        var env = new Dictionary<string, string?> { ["HOME"] = _home, ["DEV_PASS"] = "mcppass1" };
        var port = _emulator.Port.ToString(CultureInfo.InvariantCulture);
        var add = await Ibmi(["system", "add", "pinned", "--project", "--host", "127.0.0.1", "--port", port, "--user", "MCPUSER",
            "--password", "${DEV_PASS}", "--ca-path", "emulator.pem", "--read-only"], env, cwd: project);
        Assert.Equal(0, add.Exit);
        Assert.True(File.Exists(Path.Combine(project, ".ibmi", "config.yaml")));

        var sub = Directory.CreateDirectory(Path.Combine(project, "src", "deep")).FullName;   // found from a subdirectory too
        var ok = await Ibmi(["sql", "SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1", "--system", "pinned", "--format", "csv"], env, cwd: sub);
        Assert.Equal(0, ok.Exit);

        // readOnly in the config beats --no-read-only on the command line.
        var write = await Ibmi(["sql", "DELETE FROM SAMPLE.ACT WHERE 1 = 0", "--system", "pinned", "--no-read-only"], env, cwd: sub);
        Assert.Equal(4, write.Exit);
        Assert.Contains("readOnly", write.Stderr);

        // So does a YAML tool whose statement writes.
        var yaml = Path.Combine(project, "writes.yaml");
        await File.WriteAllTextAsync(yaml, """
            sources:
              ibmi: { host: "${DB2i_HOST}", user: "${DB2i_USER}", password: "${DB2i_PASS}" }
            tools:
              rename_department:
                source: ibmi
                description: Renames a department.
                security: { readOnly: false }
                statement: UPDATE SAMPLE.DEPARTMENT SET DEPTNAME = :name WHERE DEPTNO = 'Z99'
                parameters:
                  - { name: name, type: string, description: New name }
            """);
        _emulator.ClearClientInfo();
        var tool = await Ibmi(["tool", "rename_department", "--name", "X", "--tools", yaml, "--system", "pinned"], env, cwd: sub);
        Assert.Equal(4, tool.Exit);
        Assert.Empty(_emulator.ClientInfo);

        // A certificate that is not the emulator's: the pinned connection refuses it.
        using var other = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=someone-else", other,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var wrongCert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(pem, wrongCert.ExportCertificatePem());
        var refused = await Ibmi(["sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1", "--system", "pinned"], env, cwd: sub);
        Assert.Equal(1, refused.Exit);
        Assert.Equal("TLS_ERROR", refused.Json.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Several_systems_run_in_parallel_and_one_down_becomes_an_error_row()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = _home, ["DEV_PASS"] = "mcppass1" };
        var port = _emulator.Port.ToString(CultureInfo.InvariantCulture);
        // "Another host" is another loopback address with nothing listening on the port.
        var downPort = FreePort("127.0.0.2").ToString(CultureInfo.InvariantCulture);
        foreach (var (name, host, p) in new[] { ("dev", "127.0.0.1", port), ("prod", "127.0.0.1", port), ("down", "127.0.0.2", downPort) })
            Assert.Equal(0, (await Ibmi(["system", "add", name, "--host", host, "--port", p, "--user", "MCPUSER", "--password", "${DEV_PASS}"], env)).Exit);

        var both = await Ibmi(["sql", "SELECT COUNT(*) AS N FROM SAMPLE.DEPARTMENT", "--system", "dev,prod", "--format", "csv"], env);
        Assert.Equal(0, both.Exit);
        Assert.Equal("SYSTEM,N", both.Lines[0]);
        Assert.Equal(["dev", "prod"], both.Lines.Skip(1).Select(l => l.Split(',')[0]).Order());

        var partial = await Ibmi(["sql", "SELECT COUNT(*) AS N FROM SAMPLE.DEPARTMENT", "--system", "dev,down"], env);
        Assert.Equal(1, partial.Exit);
        var rows = partial.Json.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(rows, r => r.GetProperty("SYSTEM").GetString() == "dev" && r.GetProperty("ERROR").ValueKind == JsonValueKind.Null);
        Assert.Contains(rows, r => r.GetProperty("SYSTEM").GetString() == "down" && r.GetProperty("ERROR").GetString()!.Contains("unreachable"));

        var streamed = await Ibmi(["sql", "SELECT DEPTNO FROM SAMPLE.DEPARTMENT", "--system", "dev,down", "--stream"], env);
        Assert.Equal(1, streamed.Exit);
        var lines = streamed.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(lines, l => l.GetProperty("SYSTEM").GetString() == "dev" && l.TryGetProperty("DEPTNO", out _));
        Assert.Contains(lines, l => l.GetProperty("SYSTEM").GetString() == "down" && l.TryGetProperty("ERROR", out _));
    }

    [Fact]
    public async Task Stream_writes_every_row_of_a_result_larger_than_a_page_as_its_own_line()
    {
        // 2,500 rows: three pages of 1,000 (and more than the default cap would show without --stream).
        const string Big = "SELECT A.COLUMN_NAME AS A, B.COLUMN_NAME AS B FROM QSYS2.SYSCOLUMNS2 A CROSS JOIN QSYS2.SYSCOLUMNS2 B FETCH FIRST 2500 ROWS ONLY";
        var run = await Ibmi("sql", Big, "--stream");
        Assert.Equal(0, run.Exit);
        Assert.Equal(2500, run.Lines.Length);
        Assert.All(run.Lines, l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("B", out _)));

        var limited = await Ibmi("sql", Big, "--stream", "--limit", "10");
        Assert.Equal(10, limited.Lines.Length);
    }

    [Fact]
    public async Task Output_goes_to_a_file_when_asked()
    {
        var file = Path.Combine(_home, "out.csv");
        var run = await Ibmi("sql", "SELECT DEPTNO FROM SAMPLE.DEPARTMENT ORDER BY DEPTNO", "--format", "csv", "--output", file);
        Assert.Equal(0, run.Exit);
        Assert.Equal("", run.Stdout);
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal("DEPTNO", lines[0]);
        Assert.Equal("A00", lines[1]);
    }

    [Fact]
    public async Task Watch_repeats_until_ctrl_c_and_then_exits_0()
    {
        if (OperatingSystem.IsWindows()) return;
        var psi = ServerProcess.CreateStartInfo(["sql", "SELECT COUNT(*) AS N FROM SAMPLE.DEPARTMENT", "--watch", "1", "--stream"], EnvSystem());
        // A terminal's Ctrl+C reaches a program whose SIGINT is at its default. Whoever started the test command may have
        // left SIGINT ignored (a script's `cmd &` without job control does), and an ignored signal stays ignored across
        // exec: the watch then rightly never sees it (issue 29: this test hung in every run of a series started that way).
        psi.ArgumentList.Insert(0, psi.FileName);
        psi.ArgumentList.Insert(0, "--default-signal=INT");
        psi.FileName = "/usr/bin/env";
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var seen = 0;
        // Two budgets, each generous for a 2-core machine under a CPU burner: the two runs (start-up, sign-on, two
        // statements a second apart), then the exit after SIGINT (milliseconds: 25 SIGINTs at random points of a watch,
        // worst 0.02 s).
        using (var reading = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
            while (seen < 2 && await process.StandardOutput.ReadLineAsync(reading.Token) is { } line)
                if (line.Contains("\"N\"", StringComparison.Ordinal)) seen++;
        Assert.Equal(2, seen);
        Assert.Equal(0, Kill(process.Id, 2));   // SIGINT, what Ctrl+C sends
        using var exiting = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(exiting.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail($"ibmi-mcp sql --watch did not exit within 60 s of SIGINT; stderr: {await stderr}");
        }
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Render_turns_an_MCP_answer_into_a_table()
    {
        const string Answer = """{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"1 row"}],"structuredContent":{"success":true,"data":[{"DEPTNO":"A00","BUDGET":12.5}]}}}""";
        var run = await Ibmi(["render", "--format", "csv"], new Dictionary<string, string?> { ["HOME"] = _home }, stdin: Answer);
        Assert.Equal(0, run.Exit);
        Assert.Equal("DEPTNO,BUDGET", run.Lines[0]);
        Assert.Equal("A00,12.5", run.Lines[1]);
    }

    [Fact]
    public async Task An_ibmi_link_to_the_binary_is_the_command_line()
    {
        if (OperatingSystem.IsWindows() || !ServerProcess.UsesPublishedBinary) return;   // argv[0] is the apphost's dll under `dotnet`
        var dir = ServerProcess.CreateEmptyDirectory();
        var link = Path.Combine(dir, "ibmi");
        File.CreateSymbolicLink(link, Path.GetFullPath(Environment.GetEnvironmentVariable("IBMI_MCP_BIN")!));
        var psi = ServerProcess.CreateStartInfo(["--help"], EnvSystem());
        psi.FileName = link;
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.StartsWith("usage: ibmi <command>", stdout);
    }

    private static int FreePort(string address)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
