"""FLUX: the Flux tree - dependency graph, references, kustomize paths, schemas."""
