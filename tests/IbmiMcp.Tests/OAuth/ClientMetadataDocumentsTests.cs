using System.Net;
using System.Text;
using IbmiMcp.OAuth;

namespace IbmiMcp.Tests.OAuth;

public sealed class ClientMetadataDocumentsTests
{
    [Theory]
    [InlineData("127.0.0.1")] [InlineData("127.8.9.10")] [InlineData("10.1.2.3")] [InlineData("172.16.0.1")] [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")] [InlineData("169.254.169.254")] [InlineData("100.64.0.1")] [InlineData("0.0.0.0")] [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")] [InlineData("192.0.2.1")] [InlineData("198.51.100.7")] [InlineData("203.0.113.9")] [InlineData("198.18.0.1")]
    [InlineData("::1")] [InlineData("::")] [InlineData("fe80::1")] [InlineData("fc00::1")] [InlineData("fd12:3456::1")] [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")] [InlineData("::ffff:10.0.0.1")] [InlineData("2001:db8::1")] [InlineData("2002:a00:1::1")] [InlineData("64:ff9b::a00:1")]
    public void Loopback_private_link_local_and_reserved_addresses_are_not_public(string address) =>
        Assert.False(ClientMetadataDocuments.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")] [InlineData("172.32.0.1")] [InlineData("100.128.0.1")] [InlineData("2606:4700::1111")] [InlineData("::ffff:8.8.4.4")]
    public void Global_unicast_addresses_are_public(string address) =>
        Assert.True(ClientMetadataDocuments.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://app.example.com/oauth/client.json", true)]
    [InlineData("https://app.example.com:8443/c", true)]
    [InlineData("http://app.example.com/client.json", false)]
    [InlineData("https://app.example.com/", false)]
    [InlineData("https://app.example.com", false)]
    [InlineData("https://app.example.com/a/../client.json", false)]
    [InlineData("https://app.example.com/client.json#x", false)]
    [InlineData("https://user:pw@app.example.com/client.json", false)]
    public void A_client_id_url_has_https_and_a_plain_path(string url, bool valid) =>
        Assert.Equal(valid, ClientMetadataDocuments.IsValidUrl(url, out _, out _));

    [Fact]
    public void A_document_describes_its_own_url_with_public_client_redirects()
    {
        const string Id = "https://app.example.com/client.json";
        Assert.True(ClientMetadataDocuments.TryParse(Id, Encoding.UTF8.GetBytes($$"""{"client_id":"{{Id}}","client_name":"App","redirect_uris":["http://127.0.0.1/cb"]}"""), 1, out var client, out _));
        Assert.Equal(("App", OAuthClientKind.MetadataDocument), (client!.ClientName, client.Kind));
        Assert.True(client.Allows("http://127.0.0.1:53124/cb"));

        Assert.True(ClientMetadataDocuments.TryParse(Id, Encoding.UTF8.GetBytes($$"""{"client_id":"{{Id}}","redirect_uris":["https://app.example.com/cb"]}"""), 1, out client, out _));
        Assert.Equal("app.example.com", client!.ClientName);   // no name: its host

        foreach (var (body, reason) in new[]
        {
            ("""{"client_id":"https://other.example.com/client.json","redirect_uris":["https://app.example.com/cb"]}""", "another client_id"),
            ($$"""{"client_id":"{{Id}}","redirect_uris":["https://app.example.com/cb"],"client_secret":"s"}""", "public clients"),
            ($$"""{"client_id":"{{Id}}","redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"private_key_jwt"}""", "public clients"),
            ($$"""{"client_id":"{{Id}}","redirect_uris":[]}""", "redirect_uris"),
            ($$"""{"client_id":"{{Id}}","redirect_uris":["data:text/html,x"]}""", "unacceptable redirect URI"),
            ("[1,2]", "not a JSON object"),
            ("{", "not valid UTF-8 JSON"),
            ("{\"client_id\":\"\\udc00\"}", "not valid UTF-8 JSON"),   // a lone surrogate: no string at all
        })
        {
            Assert.False(ClientMetadataDocuments.TryParse(Id, Encoding.UTF8.GetBytes(body), 1, out _, out var refusal));
            Assert.Contains(reason, refusal, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("max-age=600", 600)]
    [InlineData("max-age=5", 60)]
    [InlineData("max-age=999999", 86_400)]
    [InlineData("no-store", 0)]
    [InlineData("no-cache", 0)]
    [InlineData(null, 300)]
    public void Documents_are_cached_as_their_headers_say_within_bounds(string? cacheControl, int seconds)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
        if (cacheControl is not null) response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        Assert.Equal(TimeSpan.FromSeconds(seconds), ClientMetadataDocuments.CacheLifetime(response));
    }

    [Fact]
    public async Task Fetches_are_budgeted_per_minute_across_all_urls_and_refused_addresses_are_never_connected()
    {
        var time = new IbmiMcp.Tests.Auth.FakeTime();
        using var documents = new ClientMetadataDocuments([], time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        // Loopback, not allow-listed: the connect callback refuses before any packet is sent.
        for (int i = 0; i < ClientMetadataDocuments.MaxFetchesPerMinute; i++)
        {
            var (client, refusal) = await documents.GetAsync($"https://127.0.0.1/client-{i}.json", CancellationToken.None);
            Assert.Null(client);
            Assert.Contains("non-public address", refusal, StringComparison.Ordinal);
        }
        var (_, throttled) = await documents.GetAsync("https://127.0.0.1/one-more.json", CancellationToken.None);
        Assert.Contains("try again in a minute", throttled, StringComparison.Ordinal);
        var (_, cached) = await documents.GetAsync("https://127.0.0.1/client-0.json", CancellationToken.None);
        Assert.Contains("non-public address", cached, StringComparison.Ordinal);   // a remembered refusal costs no fetch

        time.Advance(TimeSpan.FromMinutes(1));
        var (_, next) = await documents.GetAsync("https://127.0.0.1/one-more.json", CancellationToken.None);
        Assert.Contains("non-public address", next, StringComparison.Ordinal);
    }
}
