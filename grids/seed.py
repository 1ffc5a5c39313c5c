"""Demo grid: one level-1 cell per community (extended by the grids issue)."""

from grids.models import Cell, CellLevel


def seed(ctx):
    street = ctx.data["street"]
    cells = []
    for i, community in enumerate(ctx.data["communities"], start=1):
        cell = Cell.objects.create(
            level=CellLevel.COMMUNITY,
            code=f"{street.code}-{i:02d}",
            name=f"{community.name}网格",
            street=street,
            community=community,
        )
        cells.append(cell)
    ctx.data["grid_worker_cell"] = cells[0]
