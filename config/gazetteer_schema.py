"""The gazetteer section of `guanjia.yaml`: which place lies in which community and town.

```yaml
gazetteer:
  unit: sd                      # the territorial unit whose tickets go to a community
  communities:
    百泉社区:
      area: 儒林街道            # street or town
      places: [百泉小区, 百泉路] # names as field staff write them (substrings of the place)
      members: [sd_zhu]          # who is @-ed for, and may act on, its territorial tickets
```
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CommunityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    area: str = Field(min_length=1)
    places: list[str] = []
    members: list[str] = []


class GazetteerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    unit: str = "sd"
    communities: dict[str, CommunityConfig] = {}
