using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace IbmiMcp.Load;

/// <summary>
/// `--tokens`: what one tool answer costs a model. Calls a tool on a running server (its MCP_RESULT_FORMAT decides the
/// text format) and counts, with a real tokenizer (o200k_base), the tokens of the text content and of the
/// structuredContent, per answer and per row, beside the bytes on the wire.
/// </summary>
internal static class TokenRun
{
    public sealed record Measure(string Label, int Rows, long WireBytes, int TextTokens, int StructuredTokens, bool Cut);

    public static async Task<Measure> RunAsync(Uri endpoint, string? token, string label, string tool, string argumentsJson)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + argumentsJson + "}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var wire = await response.Content.ReadAsByteArrayAsync();
        var data = Encoding.UTF8.GetString(wire).Split('\n').First(l => l.StartsWith("data: {", StringComparison.Ordinal))[6..];
        using var doc = JsonDocument.Parse(data);
        var result = doc.RootElement.GetProperty("result");
        if (result.TryGetProperty("isError", out var isError) && isError.GetBoolean())
            throw new InvalidOperationException(result.GetProperty("content")[0].GetProperty("text").GetString());
        var text = result.GetProperty("content")[0].GetProperty("text").GetString()!;
        var structured = result.GetProperty("structuredContent");
        var rows = structured.TryGetProperty("rowCount", out var rc) ? rc.GetInt32() : structured.GetProperty("metadata").GetProperty("rowCount").GetInt32();
        var cut = structured.TryGetProperty("truncated", out var t) ? t.GetBoolean() : structured.GetProperty("metadata").GetProperty("truncated").GetBoolean();
        var tokenizer = Tokenizer;
        return new Measure(label, rows, wire.Length, tokenizer.CountTokens(text), tokenizer.CountTokens(structured.GetRawText()), cut);
    }

    private static readonly Lazy<TiktokenTokenizer> s_tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    private static TiktokenTokenizer Tokenizer => s_tokenizer.Value;
}
