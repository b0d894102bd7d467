using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>One tools/call of execute_sql over HTTP as an MCP client sends it, answered as JSON or SSE.</summary>
internal static partial class McpCall
{
    /// <summary>HTTP status, whether the tool reported an error, its first text, and the first row of a success.</summary>
    public static async Task<(HttpStatusCode Status, bool IsError, string Text, JsonElement? Row)> ExecuteSqlAsync(HttpClient client, string sql, string? token = null)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/call",
            ["params"] = new Dictionary<string, object> { ["name"] = "execute_sql", ["arguments"] = new Dictionary<string, string> { ["sql"] = sql } },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, true, text, null);
        var json = text.TrimStart().StartsWith('{') ? text : DataLine().Matches(text).Last().Groups[1].Value;
        var result = JsonDocument.Parse(json).RootElement.GetProperty("result");
        var isError = result.TryGetProperty("isError", out var e) && e.GetBoolean();
        var message = result.GetProperty("content")[0].GetProperty("text").GetString() ?? "";
        return (response.StatusCode, isError, message, isError ? null : result.GetProperty("structuredContent").GetProperty("data")[0].Clone());
    }

    [GeneratedRegex(@"^data: (.+)$", RegexOptions.Multiline)]
    private static partial Regex DataLine();
}
