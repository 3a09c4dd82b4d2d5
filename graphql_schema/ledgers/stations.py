"""Online monitoring stations (HJ 212-2017) through GraphQL: the same read use cases as the portal's
stations pages (docs/integrators.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain.errors import DomainError
from domain.ledgers.hj212 import models
from domain.ledgers.hj212.queries import permit_stations, stations_overview
from graphql_schema.closed_sets import StationLedgerData
from graphql_schema.errors import absent


@strawberry.type(description="在线监测站点（数采仪，按 MN 号登记到许可证的一个排放口）")
class MonitoringStation:
    mn: str = strawberry.field(description="站点 MN 号")
    name: str = strawberry.field(description="名称")
    permit_number: str = strawberry.field(description="许可证编号")
    outlet_code: str = strawberry.field(description="排放口编号")
    ledger_data: StationLedgerData = strawberry.field(
        description="写入台账的数据：hourly 小时数据（2061）/ minute 分钟数据（2051）"
    )
    minute_interval: int = strawberry.field(description="分钟数据间隔（分钟）")
    active: bool = strawberry.field(description="是否启用；停用后其数据包被拒收")
    last_packet_at: datetime | None = strawberry.field(description="最近一次接收数据包的时间（UTC）")
    packets_accepted: int = strawberry.field(description="已接收的数据包数")

    @classmethod
    def from_model(cls, row: models.MonitoringStation, permit_number: str) -> MonitoringStation:
        return cls(
            mn=row.mn,
            name=row.name,
            permit_number=permit_number,
            outlet_code=row.outlet_code,
            ledger_data=StationLedgerData(row.ledger_data),
            minute_interval=row.minute_interval,
            active=row.active,
            last_packet_at=row.last_packet_at,
            packets_accepted=row.packets_accepted,
        )


@strawberry.type(description="被拒收的数据包及原因")
class StationRejection:
    received_at: datetime = strawberry.field(description="接收时间（UTC）")
    mn: str = strawberry.field(description="数据包中的 MN 号（无法读出时为空）")
    qn: str = strawberry.field(description="请求编码 QN")
    cn: str = strawberry.field(description="命令编码 CN")
    reason: str = strawberry.field(
        description=(
            "原因：bad_crc 校验不符 / malformed 格式错误 / unknown_mn 未登记的 MN / "
            "wrong_password 密码错误 / unknown_pollutant 未知污染物编码 / unsupported_command 不受理的命令 / "
            "refused_readings 数值未通过台账校验"
        )
    )
    detail: str = strawberry.field(description="详情（英文）")
    peer: str = strawberry.field(description="发送方地址")

    @classmethod
    def from_model(cls, row: models.StationRejection) -> StationRejection:
        return cls(
            received_at=row.received_at,
            mn=row.mn,
            qn=row.qn,
            cn=row.cn,
            reason=row.reason,
            detail=row.detail,
            peer=row.peer,
        )


@strawberry.type(description="在线监测站点及最近被拒收的数据包")
class MonitoringStations:
    stations: list[MonitoringStation] = strawberry.field(description="站点")
    rejections: list[StationRejection] = strawberry.field(
        description="最近被拒收的数据包（最多 100 个，新的在前）"
    )


@strawberry.type
class StationQuery:
    @strawberry.field(
        description=(
            "在线监测站点：给出许可证编号时为该许可证的站点，否则为读者可见的全部站点"
            "（企业看本单位，监管部门看本辖区，含辖区监听端收到的未登记设备的数据包）"
        )
    )
    async def monitoring_stations(
        self,
        info: strawberry.Info,
        permit_number: Annotated[str, strawberry.argument(description="许可证编号（可选）")] = "",
    ) -> MonitoringStations | None:
        context = info.context
        try:
            async with context.read() as session:
                if permit_number:
                    found = await permit_stations(session, context.actor, permit_number=permit_number)
                    number = found.permit.number or ""
                    return MonitoringStations(
                        stations=[MonitoringStation.from_model(s, number) for s in found.stations],
                        rejections=[StationRejection.from_model(r) for r in found.rejections],
                    )
                overview = await stations_overview(session, context.actor)
                return MonitoringStations(
                    stations=[
                        MonitoringStation.from_model(s, overview.permit_numbers.get(s.permit_id, ""))
                        for s in overview.stations
                    ],
                    rejections=[StationRejection.from_model(r) for r in overview.rejections],
                )
        except DomainError as error:
            absent(error, context.locale)
            return None
