using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Tools;
using IbmiMcp.Tools;
using Xunit.Abstractions;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// The YAML tools users bring: every tool of the reference server's own catalog (../shared/compat/upstream-tools, read
/// where it is, never copied), run through `ibmi-mcp tool` against the emulator with plausible arguments, as an IBM i
/// 7.5 would run it: none may end in an SQL error, and each returns rows where a real system would. The counts are
/// printed and written to artifacts/test-logs/upstream-catalog.txt (recorded in the emulator's README).
/// </summary>
public sealed class UpstreamCatalogTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Arguments by parameter name, as an administrator would type them on this system.</summary>
    private static readonly Dictionary<string, string> Arguments = new(StringComparer.Ordinal)
    {
        ["library_name"] = "SAMPLE", ["object_schema"] = "SAMPLE", ["file_name"] = "EMPLOYEE", ["schema_name"] = "SAMPLE",
        ["table_name"] = "EMPLOYEE", ["sql_statement"] = "SELECT * FROM SAMPLE.EMPLOYEE", ["employee_id"] = "000010",
        ["department_id"] = "A00", ["job_title"] = "MANAGER", ["project_ids"] = "AD3100,MA2100", ["performance_multiplier"] = "0.1",
        ["name_search"] = "HAAS", ["command_names"] = "CHGUSRPRF,CRTUSRPRF", ["name"] = "EMPLOYEE", ["library"] = "SAMPLE",
        ["category"] = "SECURITY", ["name_contains"] = "JOB", ["service_name"] = "ACTIVE_JOB_INFO", ["keyword"] = "JOB",
        ["ptf_group_name"] = "SF99", ["sql_object_type"] = "VIEW",
    };

    /// <summary>Where the tool asks about IBM's services rather than the user's data.</summary>
    private static readonly Dictionary<(string Tool, string Parameter), string> PerTool = new()
    {
        [("list_services_by_schema", "schema_name")] = "QSYS2",
        [("get_service_example", "schema_name")] = "QSYS2",
        [("list_categories_for_schema", "schema_name")] = "QSYS2",
    };

    /// <summary>Tools whose statement returns no result set on IBM i either.</summary>
    private static readonly Dictionary<string, string> NoResultSet = new(StringComparer.Ordinal)
    {
        ["repopulate_special_authority_detail"] = "REFRESH TABLE rebuilds the data mart and returns no rows",
    };

    private EmulatorHost _emulator = null!;

    public async Task InitializeAsync() => _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    [Fact]
    public async Task Every_tool_of_the_reference_catalog_runs_on_the_emulator_and_returns_rows_where_ibm_i_would()
    {
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = ServerProcess.CreateEmptyDirectory(), ["DB2i_HOST"] = "127.0.0.1", ["DB2i_PORT"] = _emulator.Port.ToString(CultureInfo.InvariantCulture),
            ["DB2i_USER"] = "MCPUSER", ["DB2i_PASS"] = "mcppass1", ["DB2i_IGNORE_UNAUTHORIZED"] = "true",
        };
        var ran = 0;
        var withRows = 0;
        var report = new List<string>();
        var failures = new List<string>();
        foreach (var file in Directory.EnumerateFiles(ToolTestFiles.CompatDirectory, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var loaded = ToolCatalogLoader.Load(new ToolLoadSettings { Path = file });
            Assert.True(loaded.Success, string.Join("; ", loaded.Errors));
            foreach (var tool in loaded.Catalog!.Tools.Values.Where(t => t.Enabled).OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                var args = new List<string> { "tool", tool.Name, "--tools", file, "--format", "json" };
                foreach (var parameter in tool.Parameters)
                {
                    if (PerTool.TryGetValue((tool.Name, parameter.Name), out var value) || Arguments.TryGetValue(parameter.Name, out value))
                        args.AddRange(["--" + parameter.Name, value]);
                }
                var (exit, stdout, stderr) = await RunAsync(args, env);
                ran++;
                var name = $"{Path.GetRelativePath(ToolTestFiles.CompatDirectory, file)} {tool.Name}";
                if (exit != 0)
                {
                    failures.Add($"{name}: exit {exit}: {stderr.Trim()}");
                    report.Add($"FAIL  {name}: {stderr.Trim()}");
                    continue;
                }
                var rows = JsonDocument.Parse(stdout).RootElement.GetProperty("meta").GetProperty("rows").GetInt32();
                if (rows > 0) withRows++;
                else if (!NoResultSet.ContainsKey(tool.Name)) failures.Add($"{name}: no rows");
                report.Add($"{(rows > 0 ? "rows " : "empty")} {name}: {rows}{(NoResultSet.TryGetValue(tool.Name, out var why) ? " (" + why + ")" : "")}");
            }
        }
        var summary = $"upstream catalog: {ran} tools ran, {ran - failures.Count(f => f.Contains(": exit ", StringComparison.Ordinal))} without an error, {withRows} returned rows";
        report.Insert(0, summary);
        output.WriteLine(string.Join('\n', report));
        var logs = Path.Combine(ToolTestFiles.RepoRoot, "artifacts", "test-logs");
        Directory.CreateDirectory(logs);
        await File.WriteAllLinesAsync(Path.Combine(logs, "upstream-catalog.txt"), report);

        Assert.True(ran >= 73, $"only {ran} tools found in {ToolTestFiles.CompatDirectory}");
        Assert.True(failures.Count == 0, summary + "\n" + string.Join("\n", failures));
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, Dictionary<string, string?> env)
    {
        using var process = Process.Start(ServerProcess.CreateStartInfo(args, env))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
