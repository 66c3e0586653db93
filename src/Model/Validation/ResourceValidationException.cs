namespace CniNet.Model.Validation;

/// <summary>A resource that breaks Calico's validation rules; the message lists every problem found.</summary>
public sealed class ResourceValidationException(string message) : Exception(message);
