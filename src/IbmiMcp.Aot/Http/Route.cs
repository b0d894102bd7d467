namespace IbmiMcp.Http;

/// <summary>What a request is for, decided once from its path by <see cref="Router"/>.</summary>
internal enum Route : byte { NotFound, Health, PublicKey, Auth, Mcp, Metrics, ResourceMetadata, OAuth }
