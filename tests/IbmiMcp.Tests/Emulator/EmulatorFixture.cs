using IbmiMcp.Emulator;

namespace IbmiMcp.Tests.Emulator;

/// <summary>One emulator on an ephemeral loopback port shared by a test class.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public EmulatorHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
