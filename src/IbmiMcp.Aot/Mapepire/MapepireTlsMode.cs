namespace IbmiMcp.Mapepire;

/// <summary>How a pool trusts the Mapepire server's certificate.</summary>
public enum MapepireTlsMode
{
    /// <summary>System roots and the host name (a certificate from a public or enterprise CA).</summary>
    Verify,
    /// <summary>A CA or the server's own certificate from a file (DB2i_CA_PATH), host name still checked.</summary>
    Pinned,
    /// <summary>
    /// Fetch the server's root on the pool's first connect and pin it for the pool's life (what the reference does
    /// when DB2i_IGNORE_UNAUTHORIZED=false). Falls back to <see cref="Verify"/> when that root is publicly trusted.
    /// </summary>
    TrustOnFirstUse,
    /// <summary>Accept any certificate (DB2i_IGNORE_UNAUTHORIZED=true, the reference default). Logged at startup.</summary>
    Ignore,
    /// <summary>Plain <c>ws://</c>, for servers started with MP_UNSECURE=true. Credentials cross the wire in clear.</summary>
    Plain,
}
