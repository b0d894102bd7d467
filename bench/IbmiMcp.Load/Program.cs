using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IbmiMcp.Emulator;
using IbmiMcp.Load;

// ibmi-mcp-load: tools/call and tools/list throughput and latency against /mcp, and server bytes allocated per call.
//   dotnet run -c Release --project bench/IbmiMcp.Load -- [--seconds 10] [--clients 32] [--url URL [--token T]]
// Without --url it starts the emulator (in this process) and a server (a child process running this program with
// --serve) and also reports server bytes allocated per request. With --url it drives any running server (e.g. the
// AOT binary) and reports throughput and latency only; --tool/--args pick the tools/call.

var argv = args.ToList();
string? Option(string name, string? fallback = null)
{
    var i = argv.IndexOf(name);
    return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : fallback;
}
int Int(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture))!, CultureInfo.InvariantCulture);

if (argv.Contains("--serve"))
    return await LoadServer.RunAsync(Int("--emulator-port", 0), Int("--pool", 8));

// --signon N --base URL [--pid PID] [--user U --password P --host H] [--keep] [--poolstart S]: sequential sign-ons, latency
// and server CPU (--keep: the sessions stay signed on, for memory per live session; --poolstart: connections each sign-on
// opens, 1 unless given; clients that send none get the server's default of 2).
// --signon-floor N --emulator-port P --ca PEM --key PEM [--host H --user U --password P] [--parts rsa,open,sql]: the work
// a sign-on cannot skip (RSA unwrap, one Mapepire connection, the profile read) without the server, CPU per iteration
// (SignOnFloorRun); --parts keeps some of the three, to see what each costs.
if (Option("--signon-floor") is { } floorCount)
{
    var ms = await SignOnFloorRun.RunAsync(Option("--host", "localhost")!, Int("--emulator-port", 0), Option("--ca")!, Option("--key")!,
        Option("--user", "ALICE")!, Option("--password", "alice123")!, int.Parse(floorCount, CultureInfo.InvariantCulture),
        Option("--parts", "rsa,open,sql")!);
    Console.WriteLine($"sign-on floor: CPU {ms:F2} ms per iteration");
    return 0;
}

// --call-floor SECONDS --emulator-port P --ca PEM [--host H]: the one-row statement through the server's pool at 32
// concurrent callers, without HTTP and MCP, CPU per call (CallFloorRun).
if (Option("--call-floor") is { } floorSeconds)
{
    var (cpuMs, perSecond) = await CallFloorRun.RunAsync(Option("--host", "localhost")!, Int("--emulator-port", 0), Option("--ca")!,
        int.Parse(floorSeconds, CultureInfo.InvariantCulture));
    Console.WriteLine($"call floor: {perSecond:N0} calls/s, CPU {cpuMs:F3} ms per call");
    return 0;
}

// --soak SECONDS --base URL --pid PID [--rate N] [--sample S]: mixed workload at a fixed rate, resources sampled; exit 1 unless flat.
if (Option("--soak") is { } soakSeconds)
{
    var pass = await SoakRun.RunAsync(new Uri(Option("--base")!), int.Parse(Option("--pid")!, CultureInfo.InvariantCulture),
        int.Parse(soakSeconds, CultureInfo.InvariantCulture), Int("--rate", 20), Int("--sample", 10),
        Option("--user", "ALICE")!, Option("--password", "alice123")!, Option("--host", "127.0.0.1")!);
    return pass ? 0 : 1;
}

// --retained N: managed bytes kept per live idle session (the real sign-on path in-process, full GCs around it).
if (Option("--retained") is { } retained)
{
    var (sessions, connections, perSession) = await RetainedRun.RunAsync(int.Parse(retained, CultureInfo.InvariantCulture));
    Console.WriteLine($"retained: {sessions} live sessions, {connections} open connections, {perSession:N0} bytes per session");
    return 0;
}

if (Option("--signon") is { } signOns)
{
    var pid = Option("--pid") is { } p ? int.Parse(p, CultureInfo.InvariantCulture) : (int?)null;
    var result = await SignOnRun.RunAsync(new Uri(Option("--base")!), Option("--user", "ALICE")!, Option("--password", "alice123")!,
        Option("--host", "127.0.0.1")!, int.Parse(signOns, CultureInfo.InvariantCulture), pid, keep: argv.Contains("--keep"),
        poolStart: Int("--poolstart", 1));
    Console.WriteLine($"sign-on: {result.Count} sequential, {result.Failures} failed, median {result.MedianMs:F2} ms, p90 {result.P90Ms:F2} ms"
        + (result.CpuMsPerSignOn is { } cpu ? $", server CPU {cpu:F2} ms per sign-on" : ""));
    return result.Failures == 0 ? 0 : 1;
}

// --oauth ROUNDS --base URL --pid PID [--user U --password P]: the OAuth authorization server's steps in server CPU,
// the sign-in page's weight, and the time from the sign-in POST to the first tools/call result.
if (Option("--oauth") is { } oauthRounds)
{
    var o = await OAuthRun.RunAsync(new Uri(Option("--base")!), Option("--user", "ALICE")!, Option("--password", "alice123")!,
        int.Parse(oauthRounds, CultureInfo.InvariantCulture), int.Parse(Option("--pid")!, CultureInfo.InvariantCulture));
    Console.WriteLine($"oauth: {o.Rounds} rounds; page {o.PageBytes:N0} B + assets {o.AssetBytes:N0} B; server CPU per step: page {o.PageCpuMs:F2} ms, "
        + $"sign-in POST {o.SignInCpuMs:F2} ms, code exchange {o.ExchangeCpuMs:F2} ms, refresh {o.RefreshCpuMs:F2} ms; "
        + $"sign-in POST to first tool result: median {o.MedianSignInToResultMs:F1} ms, p90 {o.P90SignInToResultMs:F1} ms");
    return 0;
}

// --revocation ROUNDS --replicas URL,URL,URL: time from a DELETE on the first replica to the last replica's 401.
if (Option("--revocation") is { } rounds)
{
    var replicas = Option("--replicas")!.Split(',').Select(u => new Uri(u)).ToList();
    var times = await RevocationRun.RunAsync(replicas, Option("--user", "ALICE")!, Option("--password", "alice123")!, Option("--host", "127.0.0.1")!,
        int.Parse(rounds, CultureInfo.InvariantCulture));
    Console.WriteLine($"revocation to {replicas.Count} replicas, {times.Count} rounds: median {times[times.Count / 2]:F1} ms, max {times[^1]:F1} ms");
    return 0;
}

// --tokens --url URL [--token T] [--format NAME]: tokens per answer and per row of execute_sql on a running server.
if (argv.Contains("--tokens"))
{
    var endpointUrl = new Uri(Option("--url")!);
    var format = Option("--format", "?")!;
    (string Label, string Sql)[] queries =
    [
        ("SAMPLE.EMPLOYEE (14 columns)", "SELECT * FROM SAMPLE.EMPLOYEE ORDER BY EMPNO"),
        ("100,000-row query (3 columns)", "SELECT A.TABLE_NAME, A.COLUMN_NAME, B.COLUMN_NAME AS OTHER FROM QSYS2.SYSCOLUMNS2 A, QSYS2.SYSCOLUMNS2 B FETCH FIRST 100000 ROWS ONLY"),
    ];
    foreach (var (label, sql) in queries)
    {
        var m = await TokenRun.RunAsync(endpointUrl, Option("--token"), label, "execute_sql", JsonSerializer.Serialize(new Dictionary<string, string> { ["sql"] = sql }));
        Console.WriteLine($"| {format} | {m.Label} | {m.Rows} | {(m.Cut ? "yes" : "no")} | {m.WireBytes:N0} | {m.TextTokens:N0} | {(double)m.TextTokens / Math.Max(1, m.Rows):F1} | {m.StructuredTokens:N0} | {(double)m.StructuredTokens / Math.Max(1, m.Rows):F1} |");
    }
    return 0;
}

var seconds = Int("--seconds", 10);
var clients = Int("--clients", 32);
var warmup = TimeSpan.FromSeconds(Int("--warmup", 3));
var tool = Option("--tool", "ping")!;
var toolArgs = Option("--args", "{}")!;
var callBody = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + toolArgs + "}}";
const string ListBody = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";

EmulatorHost? emulator = null;
Process? server = null;
Uri endpoint;
Uri? allocUri = null;
if (Option("--url") is { } url)
{
    endpoint = new Uri(url);
}
else
{
    emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, Tls = false });
    var self = Environment.ProcessPath!;
    var start = new ProcessStartInfo(self)
    {
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        UseShellExecute = false,
    };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        start.ArgumentList.Add(typeof(LoadRun).Assembly.Location);
    foreach (var a in new[] { "--serve", "--emulator-port", emulator.Port.ToString(CultureInfo.InvariantCulture), "--pool", Option("--pool", "8")! })
        start.ArgumentList.Add(a);
    server = Process.Start(start)!;
    string? line;
    do
        line = await server.StandardOutput.ReadLineAsync();
    while (line is not null && !line.StartsWith("READY ", StringComparison.Ordinal));
    if (line is null)
        throw new InvalidOperationException("the --serve child exited before READY");
    var baseUri = new Uri(line[6..]);
    endpoint = new Uri(baseUri, "/mcp");
    allocUri = new Uri(baseUri, "/__alloc");
}

using var probe = new HttpClient();
async Task<long> AllocatedAsync() => allocUri is null ? 0 : long.Parse(await probe.GetStringAsync(allocUri), CultureInfo.InvariantCulture);

var run = new LoadRun(endpoint, Option("--token"));
var cpuPerRequest = new List<string>();
Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} CPUs, {clients} clients, {seconds} s per scenario (+{warmup.TotalSeconds} s warm-up), endpoint {endpoint}");
Console.WriteLine("| scenario | req/s | p50 ms | p99 ms | max ms | errors | server bytes/request |");
Console.WriteLine("|---|---|---|---|---|---|---|");
int? loadPid = Option("--pid") is { } pidText ? int.Parse(pidText, CultureInfo.InvariantCulture) : null;
foreach (var (name, body) in new[] { ($"tools/call {tool}", callBody), ("tools/list", ListBody) })
{
    var outcome = await run.RunAsync(name, body, clients, TimeSpan.FromSeconds(seconds), warmup, loadPid);
    var perRequest = "n/a";
    if (allocUri is not null)
    {
        // Allocation per request from a fixed number of sequential requests (no concurrency noise, no warm-up effects).
        var before = await AllocatedAsync();
        const int n = 2000;
        var sequential = await run.CountAsync(body, n);
        var after = await AllocatedAsync();
        // Includes the two /__alloc probes (a few hundred bytes in total, negligible over n requests).
        perRequest = ((after - before) / (double)sequential).ToString("N0", CultureInfo.InvariantCulture) + " B";
    }
    Console.WriteLine($"| {outcome.Name} | {outcome.PerSecond:N0} | {outcome.P50Ms:N2} | {outcome.P99Ms:N2} | {outcome.MaxMs:N1} | {outcome.Errors} | {perRequest} |");
    if (outcome.ServerCpuMs is { } cpuMs)
    {
        // The server's own CPU over the measured window of the concurrent run, per completed request (the emulator
        // runs in its own process and is not counted).
        cpuPerRequest.Add($"{outcome.Name}: server CPU {cpuMs:F3} ms per request at {clients} clients");
    }
}
foreach (var line in cpuPerRequest) Console.WriteLine(line);

if (server is not null)
{
    server.StandardInput.Close();
    await server.WaitForExitAsync();
}
if (emulator is not null)
    await emulator.DisposeAsync();
return 0;
