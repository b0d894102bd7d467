using System.Net;
using IbmiMcp.Configuration;
using IbmiMcp.Mapepire;
using IbmiMcp.Mcp;
using IbmiMcp.Tools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Load;

/// <summary>
/// `--serve`: the server side in its own process, so its allocations can be counted apart from the load generator
/// and the emulator. The same MCP endpoint, tools and Mapepire pool the binary uses (JIT, auth mode none, server pool
/// MCPUSER), plus GET /__alloc → total bytes allocated by this process (GC.GetTotalAllocatedBytes(precise)).
/// </summary>
internal static class LoadServer
{
    private const string PingYaml = """
        sources:
          emulator:
            host: 127.0.0.1
            user: MCPUSER
            password: mcppass1
        tools:
          ping:
            source: emulator
            description: Trivial query for load tests.
            statement: SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1
        """;

    public static async Task<int> RunAsync(int emulatorPort, int poolMax)
    {
        var options = new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Auto };
        await using var pool = await MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", emulatorPort, MapepireTlsPolicy.Plain),
            new MapepireCredentials("MCPUSER", "mcppass1"), new MapepirePoolOptions { PoolStart = poolMax, PoolMax = poolMax });
        var catalog = ToolCatalogLoader.LoadText("load.yaml", PingYaml).Catalog ?? throw new InvalidOperationException("load.yaml did not load");
        var tools = new CompositeToolSource(BuiltInToolSource.FromOptions(options), new CatalogToolSource(catalog));
        await using var endpoint = new McpHttpEndpoint(options, NullLoggerFactory.Instance, tools, new AnonymousMcpAuthenticator(pool, new IbmiMcp.Auth.ServerAccountProfile(pool, NullLoggerFactory.Instance.CreateLogger("load"))));

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.Run(context =>
        {
            if (context.Request.Path == "/__alloc")
            {
                context.Response.ContentType = "text/plain";
                return context.Response.WriteAsync(GC.GetTotalAllocatedBytes(precise: true).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return endpoint.HandleAsync(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"READY {address}");
        // Runs until the parent closes our stdin.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }
}
