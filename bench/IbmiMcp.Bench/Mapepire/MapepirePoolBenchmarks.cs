using BenchmarkDotNet.Attributes;
using IbmiMcp.Bench.Mocks;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Bench.Mapepire;

/// <summary>
/// Checkout + return on a warm pool whose connections are socket-less stand-ins. Budget uncontended: ≤ 100 ns, 0 B.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class MapepirePoolBenchmarks
{
    private const int CallsPerCaller = 1000;
    private MapepirePool _pool = null!;

    [Params(8, 32)]
    public int PoolMax { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new MapepirePoolOptions { PoolStart = 1, PoolMax = PoolMax, IdleTimeout = TimeSpan.Zero, QueryTimeout = TimeSpan.Zero };
        _pool = new MapepirePool("BENCH", null, options,
            _ => Task.FromResult(new MapepireConnection(new NullWebSocket(), "bench", null, startReader: false)), null, null);
        // Open every connection once so the benchmark measures rent/return, not opening.
        var rented = new List<MapepireConnection>();
        for (var i = 0; i < PoolMax; i++) rented.Add(_pool.RentAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult());
        foreach (var c in rented) _pool.Return(c);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public void CheckoutReturn_Uncontended()
    {
        var task = _pool.RentAsync(CancellationToken.None);
        _pool.Return(task.Result);
    }

    /// <summary>32 callers hammering the pool; with PoolMax 8 most of them wait in the channel.</summary>
    [Benchmark(OperationsPerInvoke = 32 * CallsPerCaller)]
    public async Task CheckoutReturn_32Callers()
    {
        var callers = new Task[32];
        for (var i = 0; i < callers.Length; i++) callers[i] = Task.Run(Caller);
        await Task.WhenAll(callers);

        async Task Caller()
        {
            for (var n = 0; n < CallsPerCaller; n++)
            {
                var c = await _pool.RentAsync(CancellationToken.None);
                _pool.Return(c);
            }
        }
    }
}
