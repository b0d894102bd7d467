namespace IbmiMcp.Mapepire;

/// <summary>Why a Mapepire operation failed. Each boundary maps a reason to its own status once.</summary>
public enum MapepireFailure
{
    /// <summary>The server ran the statement and Db2 reported an error (has SqlState/SqlCode).</summary>
    Sql,
    /// <summary>IBM i refused the sign-on ("The application server rejected the connection"), or the profile is disabled.</summary>
    Authentication,
    /// <summary>TCP connect failed: host unknown, refused, unreachable.</summary>
    Unreachable,
    /// <summary>TLS handshake failed or the certificate was not trusted.</summary>
    Tls,
    /// <summary>Connect or query deadline passed.</summary>
    Timeout,
    /// <summary>All connections busy and the acquire timeout passed.</summary>
    PoolExhausted,
    /// <summary>The socket closed or broke while a request was in flight.</summary>
    ConnectionLost,
    /// <summary>The peer sent something that is not Mapepire, or a protocol-level error.</summary>
    Protocol,
    /// <summary>The pool or connection was disposed.</summary>
    Disposed,
    /// <summary>
    /// The Mapepire server or IBM i could not serve the request for its own reasons ("Internal Error: …", out of jobs
    /// or file handles): not the user's fault, worth retrying later.
    /// </summary>
    ServerError,
}
