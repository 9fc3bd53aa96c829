"""`python -m tools.export_schema`: print the served SDL (what `make schema` commits)."""

from resolvers.schema import export_sdl

if __name__ == "__main__":
    print(export_sdl(), end="")
