using System.Text.Json.Nodes;
using IbmiMcp.Mcp.Errors;

namespace IbmiMcp.Tests.Mcp.Errors;

public sealed class McpParamsValidatorTests
{
    private static string? Check(string method, string? json) => McpParamsValidator.Validate(method, json is null ? null : JsonNode.Parse(json));

    [Theory]
    [InlineData("tools/call", """{"name":"t"}""")]
    [InlineData("tools/call", """{"name":"t","arguments":{"a":[1,{"b":null}]},"_meta":{"progressToken":7}}""")]
    [InlineData("tools/call", """{"name":"t","arguments":null,"_meta":{"progressToken":"p"}}""")]
    [InlineData("tools/list", null)]
    [InlineData("tools/list", """{}""")]
    [InlineData("tools/list", """{"cursor":"abc"}""")]
    [InlineData("ping", null)]
    [InlineData("initialize", """{"protocolVersion":"2025-06-18","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"c","version":"1","icons":[{"src":"x","sizes":["48x48"]}]}}""")]
    [InlineData("prompts/get", """{"name":"p","arguments":{"schema":"SAMPLE"}}""")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":""}}""")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/resource","uri":"toolsets://{toolset}"},"argument":{"name":"toolset","value":"s"},"context":{"arguments":{}}}""")]
    [InlineData("logging/setLevel", """{"level":"warning"}""")]
    [InlineData("resources/read", """{"uri":"toolsets://x"}""")]
    [InlineData("notifications/cancelled", """{"requestId":3,"reason":"user"}""")]
    [InlineData("notifications/progress", """{"progressToken":"t","progress":0.5,"total":1}""")]
    [InlineData("some/unknown", """[1,2]""")]
    public void Valid_params_and_unknown_methods_pass(string method, string? json) => Assert.Null(Check(method, json));

    [Fact]
    public void Unknown_fields_are_accepted_and_ignored()
        => Assert.Null(Check("tools/call", """{"name":"t","extra":[1],"_meta":{"traceparent":"00-abc","custom":{}}}"""));

    [Theory]
    [InlineData("tools/call", """[]""", "params must be an object, got an array")]
    [InlineData("tools/call", "\"x\"", "params must be an object, got the string \"x\"")]
    [InlineData("tools/call", null, "tools/call requires params (an object), got nothing")]
    [InlineData("tools/call", """{"name":5}""", "params.name must be a string, got the number 5")]
    [InlineData("tools/call", """{}""", "params.name is required (a string), got nothing")]
    [InlineData("tools/call", """{"name":null}""", "params.name is required (a string), got nothing")]
    [InlineData("tools/call", """{"name":"t","arguments":[1]}""", "params.arguments must be an object, got an array")]
    [InlineData("tools/call", """{"name":"t","_meta":5}""", "params._meta must be an object, got the number 5")]
    [InlineData("tools/call", """{"name":"t","_meta":{"progressToken":1.5}}""", "params._meta.progressToken must be a string or an integer, got the number 1.5")]
    [InlineData("tools/list", """{"cursor":5}""", "params.cursor must be a string, got the number 5")]
    [InlineData("prompts/list", """{"cursor":true}""", "params.cursor must be a string, got true")]
    [InlineData("resources/templates/list", """{"cursor":{}}""", "params.cursor must be a string, got an object")]
    [InlineData("prompts/get", """{}""", "params.name is required (a string), got nothing")]
    [InlineData("prompts/get", """{"name":"p","arguments":{"a":5}}""", "params.arguments.a must be a string, got the number 5")]
    [InlineData("resources/read", """{}""", "params.uri is required (a string), got nothing")]
    [InlineData("resources/subscribe", """{"uri":[]}""", "params.uri must be a string, got an array")]
    [InlineData("logging/setLevel", """{}""", "params.level is required (a string), got nothing")]
    [InlineData("logging/setLevel", """{"level":"loud"}""", "params.level must be one of debug, info, notice, warning, error, critical, alert, emergency, got \"loud\"")]
    [InlineData("completion/complete", """{"argument":{"name":"a","value":"b"}}""", "params.ref is required (an object), got nothing")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/x"},"argument":{"name":"a","value":"b"}}""", "params.ref.type must be one of ref/prompt, ref/resource, got \"ref/x\"")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt"},"argument":{"name":"a","value":"b"}}""", "params.ref.name is required (a string), got nothing")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/resource","uri":1},"argument":{"name":"a","value":"b"}}""", "params.ref.uri must be a string, got the number 1")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a"}}""", "params.argument.value is required (a string), got nothing")]
    [InlineData("initialize", """{"capabilities":{},"clientInfo":{"name":"c","version":"1"}}""", "params.protocolVersion is required (a string), got nothing")]
    [InlineData("initialize", """{"protocolVersion":"x","clientInfo":{"name":"c","version":"1"}}""", "params.capabilities is required (an object), got nothing")]
    [InlineData("initialize", """{"protocolVersion":"x","capabilities":{}}""", "params.clientInfo is required (an object), got nothing")]
    [InlineData("initialize", """{"protocolVersion":"x","capabilities":{},"clientInfo":{"version":"1"}}""", "params.clientInfo.name is required (a string), got nothing")]
    [InlineData("initialize", """{"protocolVersion":"x","capabilities":{"roots":{"listChanged":"yes"}},"clientInfo":{"name":"c","version":"1"}}""", "params.capabilities.roots.listChanged must be a boolean, got the string \"yes\"")]
    [InlineData("initialize", """{"protocolVersion":"x","capabilities":{},"clientInfo":{"name":"c","version":"1","icons":[{"src":"a"},5]}}""", "params.clientInfo.icons[1] must be an object, got the number 5")]
    [InlineData("initialize", """{"protocolVersion":"x","capabilities":{},"clientInfo":{"name":"c","version":"1","icons":[{"sizes":["1"]}]}}""", "params.clientInfo.icons[0].src is required (a string), got nothing")]
    [InlineData("ping", "5", "params must be an object, got the number 5")]
    [InlineData("tools/call", """{"name":"a","name":"b"}""", "params holds the property \"name\" more than once")]
    [InlineData("tools/call", """{"name":"a","_meta":{"progressToken":1,"progressToken":2}}""", "params._meta holds the property \"progressToken\" more than once")]
    [InlineData("prompts/get", """{"name":"p","arguments":{"a":"1","a":"2"}}""", "params.arguments holds the property \"a\" more than once")]
    [InlineData("notifications/cancelled", """{"requestId":{}}""", "params.requestId must be a string or an integer, got an object")]
    [InlineData("notifications/progress", """{"progressToken":"t"}""", "params.progress is required (a number), got nothing")]
    public void Each_mistake_is_named_with_what_was_expected_and_what_came(string method, string? json, string expected)
        => Assert.Equal("Invalid params: " + expected, Check(method, json));

    [Fact]
    public void A_long_or_control_character_string_is_shown_short_and_printable()
    {
        var message = Check("logging/setLevel", "{\"level\":\"" + new string('x', 100) + "\\n\"}")!;
        Assert.Contains("got \"" + new string('x', 40) + "…\"", message);
        Assert.DoesNotContain('\n', Check("logging/setLevel", "{\"level\":\"a\\nb\"}")!);
    }
}
