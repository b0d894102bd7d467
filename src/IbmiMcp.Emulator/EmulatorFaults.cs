namespace IbmiMcp.Emulator;

/// <summary>
/// Fault knobs for reliability tests. All off by default; every property can be changed while the host runs
/// (reads and writes are atomic; the random source is locked).
/// </summary>
public sealed class EmulatorFaults
{
    private int _latencyMs;
    private int _dropAfterRequests;
    private double _dropProbability;
    private int _stallMs;
    private volatile bool _refuseConnections;
    private int _refuseStatusCode;
    private volatile string? _stallRequestType;
    private volatile string? _connectInternalError;
    private int _maxJobs;
    private Random _random = new();
    private int? _seed;

    /// <summary>Added before every request is handled.</summary>
    public int LatencyMs { get => Volatile.Read(ref _latencyMs); set => Volatile.Write(ref _latencyMs, value); }

    /// <summary>Per socket: requests 1..N are answered, request N+1 aborts the socket unanswered. 0 = off.</summary>
    public int DropAfterRequests { get => Volatile.Read(ref _dropAfterRequests); set => Volatile.Write(ref _dropAfterRequests, value); }

    /// <summary>Chance (0..1) that a request aborts its socket unanswered. Use <see cref="Seed"/> for repeatable runs.</summary>
    public double DropProbability { get => Volatile.Read(ref _dropProbability); set => Volatile.Write(ref _dropProbability, value); }

    public int? Seed
    {
        get => _seed;
        set
        {
            lock (this)
            {
                _seed = value;
                _random = value is int s ? new Random(s) : new Random();
            }
        }
    }

    /// <summary>New WebSocket upgrades are refused: the TCP connection is closed, or answered with <see cref="RefuseStatusCode"/> when non-zero.</summary>
    public bool RefuseConnections { get => _refuseConnections; set => _refuseConnections = value; }

    public int RefuseStatusCode { get => Volatile.Read(ref _refuseStatusCode); set => Volatile.Write(ref _refuseStatusCode, value); }

    /// <summary>Responses are held back this long; negative = never answered (the request hangs). 0 = off.</summary>
    public int StallMs { get => Volatile.Read(ref _stallMs); set => Volatile.Write(ref _stallMs, value); }

    /// <summary>Restricts the stall to one request type (e.g. "sql"); null stalls every type.</summary>
    public string? StallRequestType { get => _stallRequestType; set => _stallRequestType = value; }

    /// <summary>
    /// Every <c>connect</c> fails with <c>Internal Error: …</c> and this text, as Mapepire answers when its JVM cannot
    /// open the job's connection (e.g. <c>IOException: Too many open files</c>). Null = off.
    /// </summary>
    public string? ConnectInternalError { get => _connectInternalError; set => _connectInternalError = value; }

    /// <summary>
    /// At most this many jobs at once: a <c>connect</c> beyond it fails with <c>Internal Error: IOException: Too many
    /// open files</c> — what a real Mapepire server answered at about 1,300 open connections. 0 = no limit.
    /// </summary>
    public int MaxJobs { get => Volatile.Read(ref _maxJobs); set => Volatile.Write(ref _maxJobs, value); }

    /// <summary>Turns every knob off again.</summary>
    public void Reset()
    {
        LatencyMs = 0;
        DropAfterRequests = 0;
        DropProbability = 0;
        RefuseConnections = false;
        RefuseStatusCode = 0;
        StallMs = 0;
        StallRequestType = null;
        ConnectInternalError = null;
        MaxJobs = 0;
    }

    internal bool RollDrop()
    {
        double p = DropProbability;
        if (p <= 0) return false;
        lock (this) return _random.NextDouble() < p;
    }
}
