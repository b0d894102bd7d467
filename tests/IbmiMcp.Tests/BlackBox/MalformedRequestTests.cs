using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Tools;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// A client's mistake is never an internal error, against the published binary on the emulator: every method the server
/// serves × {params not an object, each required field missing, each field of the wrong type} in stateless and stateful
/// mode, through the fast path and the SDK path, at every revision, answers -32602 naming the field (never HTTP 5xx,
/// never -32603); unknown extra fields are accepted. Then thousands of seeded random mutations of valid requests: no 5xx,
/// no -32603, no internal error in the log, and the server still serves.
/// The expected shapes below are written from the MCP schema for this test, not taken from the server's validator.
/// </summary>
public sealed class MalformedRequestTests : IAsyncLifetime
{

    /// <summary>method, valid params, and its fields: path inside params, JSON type, required.</summary>
    private static readonly (string Method, string Params, (string Path, string Kind, bool Required)[] Fields)[] Methods =
    [
        ("ping", "{}", []),
        ("tools/list", "{}", [("cursor", "string", false)]),
        ("prompts/list", "{}", [("cursor", "string", false)]),
        ("resources/list", "{}", [("cursor", "string", false)]),
        ("resources/templates/list", "{}", [("cursor", "string", false)]),
        ("tools/call", """{"name":"execute_sql","arguments":{"sql":"SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"}}""", [("name", "string", true), ("arguments", "object", false), ("_meta", "object", false)]),
        ("prompts/get", """{"name":"explain_table","arguments":{"schema":"SAMPLE","table":"EMPLOYEE"}}""", [("name", "string", true), ("arguments", "object", false), ("arguments.schema", "string", false)]),
        ("resources/read", """{"uri":"toolsets://sample_hr"}""", [("uri", "string", true)]),
        ("resources/subscribe", """{"uri":"toolsets://sample_hr"}""", [("uri", "string", true)]),
        ("resources/unsubscribe", """{"uri":"toolsets://sample_hr"}""", [("uri", "string", true)]),
        ("completion/complete", """{"ref":{"type":"ref/prompt","name":"explain_table"},"argument":{"name":"schema","value":"SAM"}}""",
            [("ref", "object", true), ("ref.type", "string", true), ("ref.name", "string", true), ("argument", "object", true),
             ("argument.name", "string", true), ("argument.value", "string", true), ("context", "object", false)]),
        ("logging/setLevel", """{"level":"info"}""", [("level", "string", true)]),
    ];

    private static readonly (string Params, (string Path, string Kind, bool Required)[] Fields) Initialize =
        ("""{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"malformed","version":"1"}}""",
         [("protocolVersion", "string", true), ("capabilities", "object", true), ("clientInfo", "object", true),
          ("clientInfo.name", "string", true), ("clientInfo.version", "string", true), ("capabilities.roots", "object", false)]);

    /// <summary>What 2026-07-28 requests carry in _meta instead of an initialize handshake.</summary>
    private static readonly JsonObject ModernMeta = new()
    {
        ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
        ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
        ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "malformed", ["version"] = "1" },
    };

    private EmulatorHost _emulator = null!;
    private ServerProcess _fast = null!;
    private ServerProcess _sdk = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        _fast = await StartServerAsync(fastPath: true);
        _sdk = await StartServerAsync(fastPath: false);
    }

    public async Task DisposeAsync()
    {
        await _fast.DisposeAsync();
        await _sdk.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    private Task<ServerProcess> StartServerAsync(bool fastPath) => ServerProcess.StartAsync(new Dictionary<string, string?>
    {
        ["DB2i_HOST"] = "127.0.0.1", ["DB2i_PORT"] = _emulator.Port.ToString(CultureInfo.InvariantCulture), ["DB2i_USER"] = "MCPUSER",
        ["DB2i_PASS"] = "mcppass1", ["DB2i_IGNORE_UNAUTHORIZED"] = "true", ["MCP_SESSION_MODE"] = "auto", ["MCP_FAST_PATH"] = fastPath ? "true" : "false",
        ["IBMI_ENABLE_EXECUTE_SQL"] = "true", ["IBMI_ENABLE_DEFAULT_TOOLS"] = "true", ["TOOLS_YAML_PATH"] = ToolTestFiles.ShippedDirectory,
        ["YAML_AUTO_RELOAD"] = "false",
    });

    [Fact]
    public async Task Every_mistake_in_every_method_is_minus_32602_naming_the_field_on_every_path_mode_and_revision()
    {
        var failures = new List<string>();
        var answered = 0;
        foreach (var server in new[] { _fast, _sdk })
        {
            using var client = server.CreateClient();
            var label = server == _fast ? "fast path on" : "fast path off";

            // Stateless: the fast path's revisions, an older one and the handshake-free one.
            foreach (var revision in new[] { "2025-06-18", "2025-11-25", "2025-03-26", "2026-07-28" })
                foreach (var (method, parameters, field, expected) in Cases(revision == "2026-07-28"))
                {
                    answered++;
                    var failure = await CheckAsync(client, method, parameters, revision, session: null, field, expected);
                    if (failure is not null) failures.Add($"{label}, stateless {revision}: {failure}");
                }

            // A malformed initialize answers -32602 and opens no session.
            foreach (var (parameters, field) in Mistakes(Initialize.Params, Initialize.Fields))
            {
                answered++;
                var (status, answer, headers) = await PostAsync(client, Request("initialize", parameters), revision: null, session: null);
                if (Judge(status, answer, field) is { } failure) failures.Add($"{label}, initialize: {failure}");
                if (headers.Contains("Mcp-Session-Id")) failures.Add($"{label}, initialize with {field} wrong opened a session");
            }

            // Stateful: a session per handshake revision, then the same mistakes inside it.
            foreach (var revision in new[] { "2025-03-26", "2025-06-18", "2025-11-25" })
            {
                var session = await OpenSessionAsync(client, revision);
                foreach (var (method, parameters, field, expected) in Cases(modern: false))
                {
                    answered++;
                    var failure = await CheckAsync(client, method, parameters, revision, session, field, expected);
                    if (failure is not null) failures.Add($"{label}, stateful {revision}: {failure}");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {answered} answers wrong:\n" + string.Join("\n", failures.Take(40)));
        Assert.True(answered > 1000, $"only {answered} cases ran");
        AssertNoInternalErrorLogged();
    }

    [Fact]
    public async Task Thousands_of_mutated_requests_never_get_a_5xx_or_minus_32603_and_the_server_keeps_serving()
    {
        // Seeded so a failure replays; MALFORMED_SEED explores other sequences.
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("MALFORMED_SEED"), out var seed) ? seed : 31);
        var bases = Methods.Select(m => Request(m.Method, m.Params)).Append(Request("initialize", Initialize.Params)).ToArray();
        var bad = new List<string>();
        var count = 0;
        foreach (var server in new[] { _fast, _sdk })
        {
            using var client = server.CreateClient();
            var session = await OpenSessionAsync(client, "2025-11-25");
            for (var i = 0; i < 1500; i++, count++)
            {
                var body = Mutate(bases[random.Next(bases.Length)], random);
                var stateful = random.Next(3) == 0;
                var (status, answer, _) = await PostRawAsync(client, body, stateful ? "2025-11-25" : random.Next(2) == 0 ? "2025-06-18" : "2025-03-26",
                    stateful ? session : null);
                if ((int)status >= 500 || answer.Contains("\"code\":-32603", StringComparison.Ordinal))
                    bad.Add($"{(int)status} {Truncate(answer)} <- {Truncate(Encoding.UTF8.GetString(body))}");
            }
            // Still serving, both ways.
            var (okStatus, ok, _) = await PostAsync(client, Request("tools/call", Methods.Single(m => m.Method == "tools/call").Params), "2025-11-25", null);
            Assert.Equal(HttpStatusCode.OK, okStatus);
            Assert.Contains("\"ONE\":1", ok);
            Assert.False(server.HasExited);
        }
        Assert.True(bad.Count == 0, $"{bad.Count} of {count} mutated requests got a 5xx or -32603:\n" + string.Join("\n", bad.Take(20)));
        AssertNoInternalErrorLogged();
    }

    private void AssertNoInternalErrorLogged()
    {
        foreach (var server in new[] { _fast, _sdk })
            Assert.DoesNotContain("Internal error (ref", server.Stderr);
    }

    /// <summary>(method, params JSON, the field the mistake is in, "error" or "ok") for every method's mistakes and one unknown extra field.</summary>
    private static IEnumerable<(string Method, string Params, string Field, string Expected)> Cases(bool modern)
    {
        foreach (var (method, valid, fields) in Methods)
        {
            foreach (var (parameters, field) in Mistakes(valid, fields))
                yield return (method, modern ? WithModernMeta(parameters) : parameters, field, "error");
            var extra = JsonNode.Parse(valid)!.AsObject();
            extra["someFutureField"] = new JsonObject { ["nested"] = new JsonArray(1, "two") };
            yield return (method, modern ? WithModernMeta(extra.ToJsonString()) : extra.ToJsonString(), "", "ok");
        }
    }

    /// <summary>params that are not an object; each required field removed; each field given a value of another type.</summary>
    private static IEnumerable<(string Params, string Field)> Mistakes(string valid, (string Path, string Kind, bool Required)[] fields)
    {
        foreach (var notAnObject in new[] { "[]", "\"text\"", "7", "true" })
            yield return (notAnObject, "params");
        foreach (var (path, kind, required) in fields)
        {
            if (required)
            {
                var without = JsonNode.Parse(valid)!.AsObject();
                var (parent, name) = Locate(without, path);
                parent?.Remove(name);
                yield return (without.ToJsonString(), path);
            }
            foreach (var wrong in WrongValues(kind))
            {
                var changed = JsonNode.Parse(valid)!.AsObject();
                var (parent, name) = Locate(changed, path, create: true);
                parent![name] = wrong;
                yield return (changed.ToJsonString(), path);
            }
        }
    }

    private static IEnumerable<JsonNode> WrongValues(string kind) => kind switch
    {
        "string" => [JsonValue.Create(42), new JsonArray("a"), new JsonObject(), JsonValue.Create(false)],
        "object" => [JsonValue.Create("text"), new JsonArray(1), JsonValue.Create(3.5)],
        _ => [new JsonObject()],
    };

    private static (JsonObject? Parent, string Name) Locate(JsonObject root, string path, bool create = false)
    {
        var parts = path.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is JsonObject child) node = child;
            else if (create) node = (JsonObject)(node[parts[i]] = new JsonObject());
            else return (null, parts[^1]);
        }
        return (node, parts[^1]);
    }

    private static string WithModernMeta(string parameters)
    {
        if (JsonNode.Parse(parameters) is not JsonObject obj) return parameters;
        var meta = obj["_meta"] as JsonObject;
        if (obj.ContainsKey("_meta") && meta is null) return parameters;   // the mistake is _meta itself
        meta ??= (JsonObject)(obj["_meta"] = new JsonObject());
        foreach (var (key, value) in ModernMeta) meta[key] = value!.DeepClone();
        return obj.ToJsonString();
    }

    private static string Request(string method, string parameters, int id = 7) =>
        $$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{parameters}}}""";

    private async Task<string?> CheckAsync(HttpClient client, string method, string parameters, string revision, string? session, string field, string expected)
    {
        var (status, answer, _) = await PostAsync(client, Request(method, parameters), revision, session);
        if (expected == "ok")
        {
            if ((int)status >= 500 || answer.Contains("\"code\":-32602", StringComparison.Ordinal) || answer.Contains("\"code\":-32603", StringComparison.Ordinal))
                return $"{method} with an unknown extra field: {(int)status} {Truncate(answer)}";
            return null;
        }
        return Judge(status, answer, field) is { } failure ? $"{method} {field}: {failure} <- {Truncate(parameters)}" : null;
    }

    /// <summary>Null when the answer is a JSON-RPC -32602 (or -32600) that names the field, with no HTTP 5xx.</summary>
    private static string? Judge(HttpStatusCode status, string answer, string field)
    {
        if ((int)status >= 500) return $"HTTP {(int)status}";
        using var document = JsonDocument.Parse(answer);
        if (!document.RootElement.TryGetProperty("error", out var error)) return $"no error: {Truncate(answer)}";
        var code = error.GetProperty("code").GetInt32();
        var message = error.GetProperty("message").GetString() ?? "";
        if (code is not (-32602 or -32600)) return $"code {code}: {message}";
        var named = field == "params" ? message.Contains("params", StringComparison.Ordinal) : message.Contains(field, StringComparison.Ordinal);
        return named ? null : $"-32602 does not name {field}: {message}";
    }

    private async Task<string> OpenSessionAsync(HttpClient client, string revision)
    {
        var init = Request("initialize", Initialize.Params.Replace("2025-06-18", revision, StringComparison.Ordinal), id: 1);
        var (status, answer, headers) = await PostAsync(client, init, revision: null, session: null);
        Assert.True(status == HttpStatusCode.OK, answer);
        var session = headers.GetValues("Mcp-Session-Id").Single();
        await PostAsync(client, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", revision, session);
        return session;
    }

    private static Task<(HttpStatusCode Status, string Answer, HttpResponseHeaders Headers)> PostAsync(HttpClient client, string body, string? revision, string? session)
        => PostRawAsync(client, Encoding.UTF8.GetBytes(body), revision, session);

    /// <summary>POST /mcp; the answer is the JSON body or the last SSE data line.</summary>
    private static async Task<(HttpStatusCode Status, string Answer, HttpResponseHeaders Headers)> PostRawAsync(HttpClient client, byte[] body, string? revision, string? session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (revision is not null) request.Headers.Add("MCP-Protocol-Version", revision);
        if (session is not null) request.Headers.Add("Mcp-Session-Id", session);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            text = text.Split('\n').LastOrDefault(l => l.StartsWith("data: ", StringComparison.Ordinal) && l.Length > 6)?[6..] ?? "{}";
        return (response.StatusCode, text.Length == 0 ? "{}" : text, response.Headers);
    }

    /// <summary>One random mutation: structural (on the JSON tree) two times in three, else bytes.</summary>
    private static byte[] Mutate(string valid, Random random)
    {
        if (random.Next(3) == 2)
        {
            var bytes = Encoding.UTF8.GetBytes(valid).ToList();
            for (var n = random.Next(1, 4); n > 0 && bytes.Count > 1; n--)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0: bytes.RemoveAt(at); break;
                    case 1: bytes.Insert(at, (byte)Inserted[random.Next(Inserted.Length)]); break;
                    default: bytes[at] = (byte)random.Next(256); break;
                }
            }
            return [.. bytes];
        }
        var root = JsonNode.Parse(valid)!;
        for (var n = random.Next(1, 3); n > 0; n--)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            var target = nodes[random.Next(nodes.Count)];
            var replacement = RandomValue(random, depth: 0);
            switch (random.Next(4))
            {
                case 0 when target.Parent is JsonObject parent:
                    parent.Remove(target.GetPropertyName());
                    break;
                case 1 when target.Parent is JsonObject parent:
                    parent[target.GetPropertyName()] = replacement;
                    break;
                case 2 when target is JsonObject obj:
                    obj[RandomName(random)] = replacement;
                    break;
                default:
                    if (target.Parent is JsonArray array) array[array.IndexOf(target)] = replacement;
                    else if (target.Parent is JsonObject owner) owner[target.GetPropertyName()] = replacement;
                    break;
            }
        }
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private const string Inserted = "{}[]\",:0a\\ \u00ff";

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        if (node is JsonObject obj) foreach (var (_, child) in obj) { if (child is not null) Collect(child, nodes); }
        else if (node is JsonArray array) foreach (var child in array) { if (child is not null) Collect(child, nodes); }
    }

    private static readonly string[] Names = ["name", "arguments", "params", "id", "method", "jsonrpc", "_meta", "cursor", "uri", "ref", "type",
        "argument", "value", "level", "protocolVersion", "capabilities", "clientInfo", "progressToken", "roots", "task", "context", "sql"];

    private static string RandomName(Random random) => random.Next(4) == 0 ? "x" + random.Next(100) : Names[random.Next(Names.Length)];

    private static JsonNode? RandomValue(Random random, int depth) => random.Next(depth > 2 ? 6 : 9) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(-5, 5)),
        2 => JsonValue.Create(random.NextDouble() * 1e20),
        3 => JsonValue.Create(random.Next(2) == 0),
        4 => JsonValue.Create(new[] { "", "tools/call", "ref/prompt", "ref/resource", "debug", "2025-06-18", "execute_sql", "toolsets://x", "\u0000\ud7ff" }[random.Next(9)]),
        5 => JsonValue.Create(new string('x', random.Next(0, 300))),
        6 => new JsonArray(RandomValue(random, depth + 1), RandomValue(random, depth + 1)),
        7 => new JsonObject { [RandomName(random)] = RandomValue(random, depth + 1), [RandomName(random) + "2"] = RandomValue(random, depth + 1) },
        _ => new JsonObject(),
    };

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
